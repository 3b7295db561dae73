export * from './ingestor.ts';
export * from './ingest-metrics.ts';
export * from './recent-map.ts';
export * from './event-id-ledger.ts';
export * from './batch-preparer.ts';
export { createNormalizerPool } from './normalizer-pool.ts';
