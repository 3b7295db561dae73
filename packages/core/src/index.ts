export { openCore, openStoreCore, type Core, type Identity, type StoreCore } from './open-core.ts';
