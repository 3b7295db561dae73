export * from './webhook-signature.ts';
export * from './tollgate-client.ts';
export * from './breaker-cache.ts';
export type * from './breaker-snapshot.ts';
