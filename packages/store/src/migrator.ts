import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Store } from './store.ts';
import { alterTarget, clusterStatements } from './cluster-ddl.ts';
import { clusterOf, type RetentionConfig } from './store-config.ts';

/** A numbered schema change: `NNN_name.sql` in `migrations/`, applied once and recorded in the ledger. */
export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export interface MigrationStatus {
  applied: number[];
  pending: number[];
  /** Applied migrations whose file changed afterwards: a sign of a hand-edited migration. */
  changed: number[];
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
const FILE_PATTERN = /^(\d{3})_([a-z0-9_]+)\.sql$/;

const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version`;

/** The raw tables and the column their TTL counts from; the rollup keeps its own, longer retention. */
const RAW_TABLES = ['sends_raw', 'verifies_raw', 'billing_raw', 'receipts_raw'] as const;
/** Rollups and their time column: the hourly and daily traffic (migration 012) keep the minutes' retention. */
const ROLLUP_TABLES = [
  { table: 'traffic_1m', time: 'minute' },
  { table: 'decisions_1m', time: 'minute' },
  { table: 'delivery_1m', time: 'minute' },
  { table: 'traffic_1h', time: 'hour' },
  { table: 'traffic_1d', time: 'day' },
] as const;

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => FILE_PATTERN.test(file))
    .sort()
    .map((file) => {
      const [, version, name] = FILE_PATTERN.exec(file) as RegExpExecArray;
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return {
        version: Number(version),
        name: name as string,
        checksum: createHash('sha256').update(sql).digest('hex'),
        statements: splitStatements(sql),
      };
    });
}

/** Splits a migration file into statements: comment lines dropped, statements end with `;` at a line end. */
export function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/**
 * The statements to run for each migration on this store: as written on one node, in their
 * cluster form (cluster-ddl.ts) with `CLICKHOUSE_CLUSTER`. The ledger comes first.
 */
export function schemaStatements(
  migrations: Migration[],
  cluster: string | undefined,
): { ledger: string[]; byVersion: Map<number, string[]> } {
  if (cluster === undefined) {
    return { ledger: [LEDGER_DDL], byVersion: new Map(migrations.map((m) => [m.version, m.statements])) };
  }
  const tables = new Set<string>();
  const ledger = clusterStatements([LEDGER_DDL], cluster, tables);
  // Every migration is rewritten in order, applied or not, so later files find earlier tables.
  return { ledger, byVersion: new Map(migrations.map((m) => [m.version, clusterStatements(m.statements, cluster, tables)])) };
}

export async function migrationStatus(store: Store, migrations: Migration[] = loadMigrations()): Promise<MigrationStatus> {
  for (const statement of schemaStatements([], clusterOf(store.config)).ledger) await store.client.command({ query: statement });
  const rs = await store.client.query({
    query: 'SELECT version, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY version',
    format: 'JSONEachRow',
  });
  const ledger = new Map((await rs.json<{ version: number; checksum: string }>()).map((r) => [r.version, r.checksum]));
  return {
    applied: migrations.filter((m) => ledger.has(m.version)).map((m) => m.version),
    pending: migrations.filter((m) => !ledger.has(m.version)).map((m) => m.version),
    changed: migrations.filter((m) => ledger.has(m.version) && ledger.get(m.version) !== m.checksum).map((m) => m.version),
  };
}

/**
 * Applies pending migrations in order and (re)applies the retention TTLs. Safe to run on every
 * start and from several processes: statements are `IF NOT EXISTS` and the ledger is idempotent.
 */
export async function migrate(
  store: Store,
  retention: RetentionConfig,
  migrations: Migration[] = loadMigrations(),
): Promise<{ applied: number[] }> {
  const status = await migrationStatus(store, migrations);
  const { byVersion } = schemaStatements(migrations, clusterOf(store.config));
  const applied: number[] = [];
  for (const migration of migrations.filter((m) => status.pending.includes(m.version))) {
    for (const statement of byVersion.get(migration.version) ?? []) await store.client.command({ query: statement });
    await store.client.insert({
      table: 'schema_migrations',
      values: [{ version: migration.version, name: migration.name, checksum: migration.checksum }],
      format: 'JSONEachRow',
    });
    applied.push(migration.version);
  }
  await applyRetention(store, retention);
  return { applied };
}

/** A statement as the migrator sends it: its bound parameters and settings apart from its text. */
export interface SchemaStatement {
  query: string;
  params?: Record<string, string | number>;
  settings?: Record<string, number>;
}

/**
 * The retention TTLs from configuration. `materialize_ttl_after_modify = 0` keeps each a
 * metadata-only change: expired parts go at the next merge instead of a table rewrite at every start.
 */
export function retentionStatements(retention: RetentionConfig, cluster: string | undefined): SchemaStatement[] {
  const settings = { materialize_ttl_after_modify: 0 };
  const target = alterTarget(cluster);
  return [
    ...RAW_TABLES.map((table) => ({
      query: `ALTER TABLE {table:Identifier}${target.onCluster} MODIFY TTL toDateTime(ts) + toIntervalDay({days:UInt32})`,
      params: { table: target.table(table), days: retention.rawDays },
      settings,
    })),
    ...ROLLUP_TABLES.map(({ table, time }) => ({
      query: `ALTER TABLE {table:Identifier}${target.onCluster} MODIFY TTL {time:Identifier} + toIntervalDay({days:UInt32})`,
      params: { table: target.table(table), time, days: retention.rollupDays },
      settings,
    })),
  ];
}

async function applyRetention(store: Store, retention: RetentionConfig): Promise<void> {
  for (const statement of retentionStatements(retention, clusterOf(store.config))) {
    await store.client.command({ query: statement.query, query_params: statement.params, clickhouse_settings: statement.settings });
  }
}

/**
 * Everything `migrate` would run on an empty store, in order and in this store's form, without a
 * connection: the ledger, every migration (which are pending is the ledger's to say), the retention.
 * For an operator to review the DDL before a cluster sees it.
 */
export function migrationPlan(
  retention: RetentionConfig,
  cluster: string | undefined,
  migrations: Migration[] = loadMigrations(),
): Array<{ title: string; statements: SchemaStatement[] }> {
  const { ledger, byVersion } = schemaStatements(migrations, cluster);
  const plain = (queries: readonly string[]): SchemaStatement[] => queries.map((query) => ({ query }));
  return [
    { title: 'ledger', statements: plain(ledger) },
    ...migrations.map((m) => ({
      title: `${String(m.version).padStart(3, '0')}_${m.name}`,
      statements: plain(byVersion.get(m.version) ?? []),
    })),
    { title: 'retention', statements: retentionStatements(retention, cluster) },
  ];
}
