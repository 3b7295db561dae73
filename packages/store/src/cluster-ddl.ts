/**
 * The cluster form of the migrations. The numbered `.sql` files are the one definition of the
 * schema: on the embedded engine and on a single ClickHouse server they run as written; with
 * `CLICKHOUSE_CLUSTER` each statement is rewritten here, so the two forms cannot drift apart.
 *
 * On a cluster every table `t` becomes
 * - `t_local`, created `ON CLUSTER` with the `Replicated` variant of its engine (same columns,
 *   ORDER BY, partitioning and TTL), holding one shard's rows, and
 * - `t`, a `Distributed` table over `t_local`, so every query and insert in the code base reads
 *   and writes through the name it already uses.
 * Materialized views read and write the local tables: a raw row and its rollup rows land on the
 * same shard. `ALTER`s (settings, projections, TTLs, mutations) go to the local tables; backfills
 * (`INSERT ... SELECT`) stay on the distributed names.
 */

/**
 * How rows are spread over shards, per table. One scope's rows stay together: raw events and
 * their rollups shard on the destination (country and prefix), so a scope's minutes, its raw
 * rows and every duplicate of a retried event sit on one shard, where ReplacingMergeTree can
 * drop the duplicate and FINAL is exact. Records keyed by id shard on the id for the same reason.
 */
export const SHARDING_KEYS: Readonly<Record<string, string>> = {
  schema_migrations: 'version',
  sends_raw: 'cityHash64(country, prefix)',
  verifies_raw: 'cityHash64(country, prefix)',
  billing_raw: 'cityHash64(country, prefix)',
  receipts_raw: 'cityHash64(country, prefix)',
  traffic_1m: 'cityHash64(country, prefix)',
  traffic_1h: 'cityHash64(country, prefix)',
  traffic_1d: 'cityHash64(country, prefix)',
  decisions_1m: 'cityHash64(country, prefix)',
  delivery_1m: 'cityHash64(provider, country)',
  api_keys: 'cityHash64(id)',
  breakers: 'cityHash64(id)',
  breaker_audit: 'cityHash64(breaker_id)',
  webhook_subscriptions: 'cityHash64(id)',
  webhook_deliveries: 'cityHash64(id)',
  anomalies: 'cityHash64(id)',
  incidents: 'cityHash64(id)',
  incident_timeline: 'cityHash64(incident_id)',
  silences: 'cityHash64(id)',
  notification_outbox: 'cityHash64(id)',
  users: 'cityHash64(name)',
  sessions: 'cityHash64(id)',
  planned_events: 'cityHash64(id)',
};

/**
 * Small tables that queries join against sharded ones (a bill against the rate card in force): a
 * full copy on every node, one replica set across the cluster, read and written under their own
 * name without a Distributed table, so each shard joins against the whole table.
 */
export const EVERYWHERE_TABLES: ReadonlySet<string> = new Set(['rate_cards', 'provider_commitments']);

const LOCAL_SUFFIX = '_local';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS (\w+)\s*\(/;
const ENGINE = /\nENGINE = (\w*MergeTree)(?:\(([^)]*)\))?/;
const CREATE_VIEW = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS\n/;
const ALTER_TABLE = /^ALTER TABLE (\w+) /;
const ALTER_VIEW_QUERY = /^ALTER TABLE (\w+) MODIFY QUERY\n/;
const ALTER_COLUMNS = /^ALTER TABLE \w+ (?:ADD|DROP) COLUMN /;
const INSERT_SELECT = /^INSERT INTO (\w+)\s+SELECT\b/;

/** The local (per-shard) table behind a distributed table. */
export function localTable(table: string): string {
  return `${table}${LOCAL_SUFFIX}`;
}

/** Checks a cluster name before it is written into DDL (`ON CLUSTER` takes no query parameter). */
export function assertClusterName(cluster: string): string {
  if (!IDENTIFIER.test(cluster)) {
    throw new Error(`CLICKHOUSE_CLUSTER must be a cluster name from the server's remote_servers (letters, digits, _), got "${cluster}"`);
  }
  return cluster;
}

/**
 * Rewrites single-node statements into their cluster form, in order. `tables` is every table
 * created so far (by earlier migrations), so views and ALTERs of later files find them; it is
 * extended with the tables these statements create. Throws on a statement it cannot place, so a
 * new kind of statement in a migration fails the generated-DDL tests instead of a deployment.
 */
export function clusterStatements(statements: readonly string[], cluster: string, tables: Set<string> = new Set()): string[] {
  assertClusterName(cluster);
  return statements.flatMap((statement) => {
    const created = CREATE_TABLE.exec(statement);
    if (created) {
      const table = created[1] as string;
      if (EVERYWHERE_TABLES.has(table)) return [replicateEverywhere(statement, table, cluster)];
      tables.add(table);
      return createTable(statement, table, cluster);
    }
    const view = CREATE_VIEW.exec(statement);
    if (view) {
      return [
        readLocal(
          statement.replace(
            CREATE_VIEW,
            `CREATE MATERIALIZED VIEW IF NOT EXISTS ${view[1]} ON CLUSTER ${cluster} TO ${localTable(view[2] as string)} AS\n`,
          ),
          tables,
        ),
      ];
    }
    const viewQuery = ALTER_VIEW_QUERY.exec(statement);
    if (viewQuery)
      return [readLocal(statement.replace(ALTER_VIEW_QUERY, `ALTER TABLE ${viewQuery[1]} ON CLUSTER ${cluster} MODIFY QUERY\n`), tables)];
    const altered = ALTER_TABLE.exec(statement);
    if (altered && tables.has(altered[1] as string)) {
      const local = statement.replace(ALTER_TABLE, `ALTER TABLE ${localTable(altered[1] as string)} ON CLUSTER ${cluster} `);
      // A Distributed table has the columns of its local table, declared again: it follows them.
      return ALTER_COLUMNS.test(statement)
        ? [local, statement.replace(ALTER_TABLE, `ALTER TABLE ${altered[1]} ON CLUSTER ${cluster} `)]
        : [local];
    }
    if (altered && EVERYWHERE_TABLES.has(altered[1] as string))
      return [statement.replace(ALTER_TABLE, `ALTER TABLE ${altered[1]} ON CLUSTER ${cluster} `)];
    // A backfill runs once, through the distributed tables: they read every shard and route each row by its sharding key.
    const inserted = INSERT_SELECT.exec(statement);
    if (inserted && tables.has(inserted[1] as string)) return [statement];
    throw new Error(`no cluster form for this migration statement: ${statement.slice(0, 80)}`);
  });
}

/**
 * Where an ALTER of a table goes: the table itself on one node; on a cluster the local tables of
 * every node (a Distributed table holds no data to alter). The cluster name was validated when
 * the configuration was read, and ON CLUSTER takes no query parameter.
 */
export function alterTarget(cluster: string | undefined): { table: (name: string) => string; onCluster: string } {
  return cluster === undefined ? { table: (name) => name, onCluster: '' } : { table: localTable, onCluster: ` ON CLUSTER ${cluster}` };
}

/**
 * A view's SELECT as the catalogue shows it on a cluster node (reading local tables), turned
 * back to the distributed tables so that it reads every shard.
 */
export function distributedSelect(select: string, tables: Iterable<string>): string {
  let out = select;
  for (const table of tables) out = out.replace(new RegExp(`\\b${localTable(table)}\\b`, 'g'), table);
  return out;
}

/** A view's SELECT reading the local tables, so each node's view sees its own shard's rows. */
function readLocal(statement: string, tables: ReadonlySet<string>): string {
  return statement.replace(/\b(FROM|JOIN)\s+(\w+)/g, (match, keyword: string, table: string) =>
    tables.has(table) ? `${keyword} ${localTable(table)}` : match,
  );
}

function replicateEverywhere(statement: string, table: string, cluster: string): string {
  const engine = ENGINE.exec(statement);
  if (!engine) throw new Error(`table ${table} has no MergeTree engine to replicate`);
  // One Keeper path for the whole cluster; replica names are unique per shard only, so both go in.
  const args = [`'/clickhouse/tables/all/{database}/{table}'`, `'{shard}-{replica}'`, ...(engine[2] ? [engine[2]] : [])];
  return statement
    .replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER ${cluster}\n(`)
    .replace(ENGINE, `\nENGINE = Replicated${engine[1]}(${args.join(', ')})`);
}

function createTable(statement: string, table: string, cluster: string): string[] {
  const key = SHARDING_KEYS[table];
  if (key === undefined) throw new Error(`table ${table} has no sharding key: add one to SHARDING_KEYS in cluster-ddl.ts`);
  const engine = ENGINE.exec(statement);
  if (!engine) throw new Error(`table ${table} has no MergeTree engine to replicate`);
  const args = [`'/clickhouse/tables/{shard}/{database}/{table}'`, `'{replica}'`, ...(engine[2] ? [engine[2]] : [])];
  const local = statement
    .replace(CREATE_TABLE, `CREATE TABLE IF NOT EXISTS ${localTable(table)} ON CLUSTER ${cluster}\n(`)
    .replace(ENGINE, `\nENGINE = Replicated${engine[1]}(${args.join(', ')})`);
  const distributed = `CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER ${cluster} AS ${localTable(table)}\nENGINE = Distributed(${cluster}, currentDatabase(), ${localTable(table)}, ${key})`;
  return [local, distributed];
}
