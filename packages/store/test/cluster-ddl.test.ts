import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alterTarget,
  clusterStatements,
  distributedSelect,
  EVERYWHERE_TABLES,
  loadMigrations,
  schemaStatements,
  SHARDING_KEYS,
  storeConfigFromEnv,
  type Store,
} from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';

let store: Store;
let dispose: () => Promise<void>;

beforeAll(async () => {
  ({ store, dispose } = await openTempStore('cluster-ddl'));
});
afterAll(() => dispose());

const migrations = loadMigrations();
const single = schemaStatements(migrations, undefined);
const cluster = schemaStatements(migrations, 'tollgate');
const allCluster = [...cluster.ledger, ...migrations.flatMap((m) => cluster.byVersion.get(m.version) ?? [])];
const createdTables = [...allCluster.join('\n').matchAll(/CREATE TABLE IF NOT EXISTS (\w+)_local ON CLUSTER/g)].map((m) => m[1] as string);

async function formatted(sql: string): Promise<string> {
  const rs = await store.client.query({ query: 'SELECT formatQuery({sql:String}) AS q', query_params: { sql }, format: 'JSONEachRow' });
  const [row] = await rs.json<{ q: string }>();
  return row?.q ?? '';
}

describe('single-node form', () => {
  it('is the migration files as written', () => {
    for (const m of migrations) expect(single.byVersion.get(m.version)).toEqual(m.statements);
  });
});

describe('cluster form', () => {
  it('replicates a table and puts a Distributed table with its sharding key over it', () => {
    const api = allCluster.filter((s) => /\bapi_keys(_local)? ON CLUSTER/.test(s));
    expect(api).toHaveLength(2);
    expect(api[0]).toContain('CREATE TABLE IF NOT EXISTS api_keys_local ON CLUSTER tollgate\n(');
    expect(api[0]).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)\nORDER BY id",
    );
    expect(api[1]).toBe(
      'CREATE TABLE IF NOT EXISTS api_keys ON CLUSTER tollgate AS api_keys_local\nENGINE = Distributed(tollgate, currentDatabase(), api_keys_local, cityHash64(id))',
    );
    const traffic = allCluster.find((s) => s.startsWith('CREATE TABLE IF NOT EXISTS traffic_1m_local'));
    expect(traffic).toContain(
      "ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')\nPARTITION BY toYYYYMM(minute)",
    );
  });

  it('points materialized views from local raw tables to local rollups', () => {
    const view = allCluster.find((s) => s.includes('VIEW IF NOT EXISTS traffic_1m_sends_mv'));
    expect(view).toMatch(/^CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_1m_sends_mv ON CLUSTER tollgate TO traffic_1m_local AS\n/);
    expect(view).toMatch(/FROM sends_raw_local\b/);
    for (const v of allCluster.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'))) {
      for (const [, table] of v.matchAll(/\b(?:FROM|JOIN)\s+(\w+)/g)) expect(table).toMatch(/_local$/);
    }
    const modified = allCluster.filter((s) => / MODIFY QUERY\n/.test(s));
    expect(modified.length).toBeGreaterThan(0);
    for (const m of modified) {
      expect(m).toMatch(/^ALTER TABLE traffic_1[mhd]\w*_mv ON CLUSTER tollgate MODIFY QUERY\n/);
      for (const [, table] of m.matchAll(/\b(?:FROM|JOIN)\s+(\w+)/g)) expect(table).toMatch(/_local$/);
    }
  });

  it('sends ALTERs to the local tables on every node, and column changes to the distributed tables too', () => {
    const alters = allCluster.filter((s) => s.startsWith('ALTER TABLE') && !/ MODIFY QUERY\n/.test(s));
    expect(alters.length).toBeGreaterThan(0);
    for (const a of alters.filter((s) => !/ (ADD|DROP) COLUMN /.test(s))) expect(a).toMatch(/^ALTER TABLE \w+_local ON CLUSTER tollgate /);
    const columnChanges = alters.filter((s) => / (ADD|DROP) COLUMN /.test(s));
    expect(columnChanges.length).toBeGreaterThan(0);
    // Each change twice, in this order: the shards' tables, then the Distributed table over them.
    for (let i = 0; i < columnChanges.length; i += 2) {
      const [local, distributed] = [columnChanges[i]!, columnChanges[i + 1]!];
      expect(local).toMatch(/^ALTER TABLE \w+_local ON CLUSTER tollgate (ADD|DROP) COLUMN /);
      expect(distributed).toBe(local.replace(/^ALTER TABLE (\w+)_local /, 'ALTER TABLE $1 '));
    }
  });

  it('copies the small tables that sharded ones join against to every node, under their own name', () => {
    for (const table of EVERYWHERE_TABLES) {
      const statements = allCluster.filter((s) => new RegExp(`\\b${table}(_local)?\\b`).test(s) && s.startsWith('CREATE TABLE'));
      expect(statements).toHaveLength(1);
      expect(statements[0]).toContain(`CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER tollgate\n(`);
      expect(statements[0]).toContain("('/clickhouse/tables/all/{database}/{table}', '{shard}-{replica}'");
    }
  });

  it('has a sharding key for every other table, and the key is an expression over that table', async () => {
    expect(createdTables.sort()).toEqual(Object.keys(SHARDING_KEYS).sort());
    const everywhere = [...allCluster.join('\n').matchAll(/CREATE TABLE IF NOT EXISTS (\w+) ON CLUSTER tollgate\n\(/g)]
      .map((m) => m[1] as string)
      .filter((t) => !t.endsWith('_local'));
    expect(everywhere.sort()).toEqual([...EVERYWHERE_TABLES].sort());
    for (const table of createdTables) {
      // The embedded store has the single-node schema: the key must evaluate on the table's columns.
      const rs = await store.client.query({ query: `SELECT ${SHARDING_KEYS[table]} AS k FROM ${table} LIMIT 0`, format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([]);
    }
  });

  it("parses with ClickHouse's own parser, statement by statement", async () => {
    for (const statement of allCluster) {
      const q = await formatted(statement);
      expect(q.length, statement.slice(0, 60)).toBeGreaterThan(0);
    }
  });

  it('refuses what it cannot place, naming the fix', () => {
    expect(() => clusterStatements(['CREATE TABLE IF NOT EXISTS mystery\n(\n    x UInt8\n)\nENGINE = MergeTree\nORDER BY x'], 'c')).toThrow(
      /SHARDING_KEYS/,
    );
    expect(() => clusterStatements(['DROP TABLE sends_raw'], 'c')).toThrow(/no cluster form/);
    expect(() => clusterStatements([], 'bad name; DROP')).toThrow(/CLICKHOUSE_CLUSTER/);
  });

  it('sends run-time ALTERs (TTLs, repair deletes) to the local tables on a cluster only', () => {
    const onCluster = alterTarget('tollgate');
    expect([onCluster.table('traffic_1m'), onCluster.onCluster]).toEqual(['traffic_1m_local', ' ON CLUSTER tollgate']);
    const single = alterTarget(undefined);
    expect([single.table('traffic_1m'), single.onCluster]).toEqual(['traffic_1m', '']);
  });

  it("turns a view's local SELECT back to the distributed tables for a repair", () => {
    expect(distributedSelect('SELECT 1 FROM db.sends_raw_local JOIN receipts_raw_local USING id', ['sends_raw', 'receipts_raw'])).toBe(
      'SELECT 1 FROM db.sends_raw JOIN receipts_raw USING id',
    );
  });
});

describe('configuration', () => {
  it('reads the cluster only with a server URL', () => {
    expect(storeConfigFromEnv({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'tollgate' }, '/d')).toMatchObject({
      kind: 'server',
      cluster: 'tollgate',
    });
    expect(storeConfigFromEnv({ CLICKHOUSE_URL: 'http://ch:8123' }, '/d')).not.toHaveProperty('cluster');
    expect(() => storeConfigFromEnv({ CLICKHOUSE_CLUSTER: 'tollgate' }, '/d')).toThrow(/needs CLICKHOUSE_URL/);
    expect(() => storeConfigFromEnv({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'a-b' }, '/d')).toThrow(/cluster name/);
  });
});
