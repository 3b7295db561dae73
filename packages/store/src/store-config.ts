import { assertClusterName } from './cluster-ddl.ts';

/**
 * Where the store lives, read once from the environment: the embedded chDB engine on a data
 * directory (the default), or a ClickHouse server over HTTP when `CLICKHOUSE_URL` is set.
 */
export type StoreConfig =
  | { kind: 'embedded'; dataDir: string }
  | { kind: 'server'; url: string; username: string; password: string; database: string; cluster?: string };

/** Retention of raw events and rollups, applied as table TTLs by the migrator. */
export interface RetentionConfig {
  rawDays: number;
  rollupDays: number;
}

// 90 days of raw events is enough to rebuild a quarter of baselines; rollups keep 13 months so
// finance can compare a month with the same month last year.
export const DEFAULT_RETENTION: RetentionConfig = { rawDays: 90, rollupDays: 400 };

export function storeConfigFromEnv(env: NodeJS.ProcessEnv, dataDir: string): StoreConfig {
  const url = env.CLICKHOUSE_URL?.trim();
  const cluster = env.CLICKHOUSE_CLUSTER?.trim() || undefined;
  if (!url) {
    if (cluster)
      throw new Error('CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL: set the URL of a node of that cluster, or unset CLICKHOUSE_CLUSTER');
    return { kind: 'embedded', dataDir };
  }
  return {
    kind: 'server',
    url,
    username: env.CLICKHOUSE_USER ?? 'default',
    password: env.CLICKHOUSE_PASSWORD ?? '',
    database: env.CLICKHOUSE_DATABASE ?? 'tollgate',
    ...(cluster ? { cluster: assertClusterName(cluster) } : {}),
  };
}

/** The cluster the schema is spread over, or undefined on the embedded engine and a single server. */
export function clusterOf(config: StoreConfig): string | undefined {
  return config.kind === 'server' ? config.cluster : undefined;
}

export function retentionFromEnv(env: NodeJS.ProcessEnv): RetentionConfig {
  return {
    rawDays: positiveInt(env.TOLLGATE_RAW_RETENTION_DAYS, 'TOLLGATE_RAW_RETENTION_DAYS') ?? DEFAULT_RETENTION.rawDays,
    rollupDays: positiveInt(env.TOLLGATE_ROLLUP_RETENTION_DAYS, 'TOLLGATE_ROLLUP_RETENTION_DAYS') ?? DEFAULT_RETENTION.rollupDays,
  };
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 36_500) {
    throw new Error(`${name} must be a whole number of days between 1 and 36500 (got "${value}")`);
  }
  return n;
}
