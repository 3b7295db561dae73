export { buildApp, type AppDeps, type AppConfig } from './build-app.ts';
export { startPlatform, type Platform } from './platform.ts';
export { openCore, adminKeyFrom, type Core } from './core.ts';
export { createKeyring, type Keyring } from './auth/keyring.ts';
export { SCOPES, isScope, type Scope } from './auth/scopes.ts';
export { createServerMetrics } from './metrics.ts';
export { ERRORS, TollgateError, type ErrorCode } from './errors.ts';
export { loadSimulatedTraffic, type EventCounts } from './simulation-loader.ts';
