export { buildApp, type AppDeps, type AppConfig } from './build-app.ts';
export { startPlatform, type Platform } from './platform.ts';
export { openCore, adminKeyFrom, type Core } from './core.ts';
export { createServerMetrics } from './metrics.ts';
export { ERRORS, TollgateError, type ErrorCode } from './errors.ts';
export { NODE_ROLES, type NodeRole } from './node-roles.ts';
export { readEnvValues, type EnvValues } from './env-values.ts';
