export { buildApp, type AppDeps, type AppConfig } from './build-app.ts';
export { startPlatform, type Platform } from './platform.ts';
// The benches open the store the way the server does; the CLI takes openCore from @tollgate/core.
export { openCore, type Core } from '@tollgate/core';
export { createServerMetrics } from './metrics.ts';
export { ERRORS, TollgateError, type ErrorCode } from './errors.ts';
export { NODE_ROLES, type NodeRole } from './node-roles.ts';
export { readEnvValues, type EnvValues } from './env-values.ts';
