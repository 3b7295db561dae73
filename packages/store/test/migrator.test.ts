import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, migrationStatus, splitStatements, DEFAULT_RETENTION, type Store } from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';

let store: Store;
let dispose: () => Promise<void>;

beforeAll(async () => {
  ({ store, dispose } = await openTempStore('migrator'));
});
afterAll(() => dispose());

describe('migrations', () => {
  it('records every migration in the ledger and has none pending after migrate', async () => {
    const status = await migrationStatus(store);
    expect(status.pending).toEqual([]);
    expect(status.changed).toEqual([]);
    expect(status.applied).toEqual(loadMigrations().map((m) => m.version));
  });

  it('is idempotent: a second run applies nothing and keeps the data', async () => {
    await store.client.insert({
      table: 'api_keys',
      values: [{ id: 'k1', name: 'n', key_hash: 'h', scopes: ['read'], created_at: 0, revoked: 0, version: 1 }],
      format: 'JSONEachRow',
    });
    const again = await migrate(store, DEFAULT_RETENTION);
    expect(again.applied).toEqual([]);
    const rs = await store.client.query({ query: 'SELECT count() AS n FROM api_keys', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ n: 1 }]);
  });

  it('applies the configured raw retention as a TTL', async () => {
    await migrate(store, { rawDays: 30, rollupDays: 200 });
    const rs = await store.client.query({
      query:
        "SELECT name, create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name IN ('sends_raw', 'traffic_1m') ORDER BY name",
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ name: string; q: string }>();
    expect(rows[0]?.q).toMatch(/TTL toDateTime\(ts\) \+ toIntervalDay\(_CAST\(30/);
    expect(rows[1]?.q).toMatch(/TTL minute \+ toIntervalDay\(_CAST\(200/);
  });

  it.each([
    ['-- comment only\n', []],
    [
      'CREATE TABLE a (x UInt8) ENGINE = Memory;\n-- note\nCREATE TABLE b (x UInt8) ENGINE = Memory;',
      ['CREATE TABLE a (x UInt8) ENGINE = Memory', 'CREATE TABLE b (x UInt8) ENGINE = Memory'],
    ],
  ])('splits %j into statements', (sql, expected) => {
    expect(splitStatements(sql)).toEqual(expected);
  });
});
