export { openCore, type Core, type Identity } from './open-core.ts';
