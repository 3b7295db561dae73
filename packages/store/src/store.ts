import { mkdirSync } from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Session } from 'chdb';
import { createChdbConnection } from 'chdb/connection';
import { assertClusterName } from './cluster-ddl.ts';
import type { StoreConfig } from './store-config.ts';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/** Text formats the embedded engine's raw insert takes; the collectors send TabSeparated. */
export type RawInsertFormat = 'TabSeparated' | 'JSONEachRow' | 'JSONCompactEachRow';

/** The ClickHouse client every query module takes; one per process for the embedded engine. */
export type StorePing = { ok: true } | { ok: false; reason: string };

export interface Store {
  readonly client: ClickHouseClient;
  readonly config: StoreConfig;
  /**
   * The embedded engine's raw insert (chDB hands the buffer to its parser without the copies
   * the client's insert makes); absent on a server, where the client streams over HTTP.
   */
  readonly rawInsert?: (
    table: string,
    columns: readonly string[],
    tsv: string,
    settings?: Record<string, string | number>,
    format?: RawInsertFormat,
  ) => Promise<void>;
  /** Whether the store answers a trivial query, and the store's own error when it does not. */
  ping(): Promise<StorePing>;
  close(): Promise<void>;
}

// 64-bit integers as JSON numbers: counts here stay far below 2^53.
const CLIENT_SETTINGS = { output_format_json_quote_64bit_integers: 0 } as const;

/**
 * Opens the store described by `config`. The embedded engine binds its data directory to this
 * process, so a process opens at most one embedded store at a time.
 */
export function createStore(config: StoreConfig): Store {
  const { client, rawInsert, close } = config.kind === 'embedded' ? createEmbeddedClient(config.dataDir) : createServerClient(config);
  return {
    client,
    config,
    rawInsert,
    async ping() {
      try {
        const rs = await client.query({ query: 'SELECT 1 AS ok', format: 'JSONEachRow' });
        await rs.json();
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    },
    close,
  };
}

/**
 * The embedded engine's server settings, given when it starts (they are not query settings).
 *
 * Its memory worker reads the process's memory use from the cgroup to release freed memory when
 * the engine nears its memory limit; every 50 ms by default, it was the engine's busiest thread on
 * an idle server (1 to 2 ms of CPU and 20 wake-ups a second, bench/RESULTS.md, "decide: what an
 * idle server spends (by hand)"). Once a second still releases memory long before a limit is
 * reached by the store's inserts and queries, which grow in steps of seconds.
 */
export const EMBEDDED_ENGINE_ARGS = ['--memory_worker_period_ms=1000'] as const;

function createEmbeddedClient(dataDir: string): {
  client: ClickHouseClient;
  rawInsert: NonNullable<Store['rawInsert']>;
  close(): Promise<void>;
} {
  mkdirSync(dataDir, { recursive: true });
  const path = `${dataDir}/clickhouse`;
  // The engine starts with the first connection to its data directory and takes that one's
  // arguments; the client's connection (which takes none) joins it on the same directory.
  const engine = new Session(path, { connectionArgs: [...EMBEDDED_ENGINE_ARGS] });
  let connection: ReturnType<typeof createChdbConnection>;
  try {
    connection = createChdbConnection({ path });
  } catch (error) {
    engine.close();
    throw error;
  }
  // chdb types its connection against @clickhouse/client-common, which the client now bundles under
  // its own path: the same interface, two declarations, hence the cast.
  const client = createClient({ connection: connection as unknown as ClientConnection, clickhouse_settings: CLIENT_SETTINGS });
  return {
    client,
    async rawInsert(table, columns, tsv, settings, format = 'TabSeparated') {
      await connection.chdb.rawInsert({ table, columns, values: tsv, format, settings });
    },
    async close() {
      await client.close();
      engine.close();
    },
  };
}

function createServerClient(config: Extract<StoreConfig, { kind: 'server' }>): {
  client: ClickHouseClient;
  rawInsert: undefined;
  close(): Promise<void>;
} {
  const client = createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    database: config.database,
    // On a cluster an insert is acknowledged only once the shards have it: nothing acknowledged is lost.
    clickhouse_settings: config.cluster ? { ...CLIENT_SETTINGS, distributed_foreground_insert: 1 } : CLIENT_SETTINGS,
  });
  return { client, rawInsert: undefined, close: () => client.close() };
}

/** The server-mode database's creation; on a cluster it must exist on every node before the ON CLUSTER tables are made. */
export function databaseStatement(database: string, cluster: string | undefined): { query: string; params: { db: string } } {
  const onCluster = cluster ? ` ON CLUSTER ${assertClusterName(cluster)}` : '';
  return { query: `CREATE DATABASE IF NOT EXISTS {db:Identifier}${onCluster}`, params: { db: database } };
}

/** Creates the server-mode database when it is missing (the embedded engine uses its own `default`). */
export async function ensureDatabase(config: StoreConfig): Promise<void> {
  if (config.kind !== 'server') return;
  const bootstrap = createClient({ url: config.url, username: config.username, password: config.password });
  try {
    const statement = databaseStatement(config.database, config.cluster);
    await bootstrap.command({ query: statement.query, query_params: statement.params });
  } finally {
    await bootstrap.close();
  }
}
