export { buildApp, type AppDeps, type AppConfig } from './build-app.ts';
export { startPlatform, type Platform } from './platform.ts';
export { createServerMetrics } from './metrics.ts';
export { ERRORS, TollgateError, type ErrorCode } from './errors.ts';
