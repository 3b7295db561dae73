/**
 * The server's start entry point, what another app may import: the environment check, the node
 * roles and `startPlatform`. Everything else the server holds is its own wiring.
 */
export { startPlatform, type Platform } from './platform.ts';
export { NODE_ROLES, type NodeRole } from './node-roles.ts';
export { readEnvValues, type EnvValues } from './env-values.ts';
