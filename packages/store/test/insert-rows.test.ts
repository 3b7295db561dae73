import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHasher, createNormalizer, loadAsnDatabase, ROW_COLUMNS, type EventKind } from '@tollgate/events';
import { insertDeduplicationSettings, insertRows, TSV_CHUNK_ROWS, type Store } from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';
import { toTsv } from '../src/tsv.ts';
import { WIRE_SEND } from '../src/testing/event-rows.ts';

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('insert'));
});
afterAll(() => dispose());

const normalizer = createNormalizer({ hasher: createHasher(Buffer.alloc(32, 3)), asn: loadAsnDatabase() });
const ts = '2026-11-20T10:00:00Z';
const wire: Record<EventKind, Record<string, unknown>> = {
  send: WIRE_SEND,
  verify: { event_id: 'v1', ts, app: 'shop', session_id: 'a\\b', success: true },
  billing: { event_id: 'm1', ts, provider: 'twilio', country: 'GB', cost: 0.05 },
  receipt: { ts, provider: 'twilio', message_id: 'm1', status: 'delivered' },
};

describe('insertRows', () => {
  it.each(Object.keys(wire) as EventKind[])('writes every column of a normalized %s row in the declared order', async (kind) => {
    const result = normalizer[kind](wire[kind], 1);
    if (!result.ok) throw new Error(JSON.stringify(result.rejected));
    expect(Object.keys(result.row).sort()).toEqual([...ROW_COLUMNS[kind]].sort());
    await insertRows(store, kind, [result.row as never]);
  });

  it('keeps backslashes and quotes intact through the TSV path', async () => {
    const rs = await store.client.query({ query: 'SELECT event_id, session_id, user_agent FROM sends_raw', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ event_id: 's\\1', session_id: 'a\\b', user_agent: 'Mozilla/5.0 (X11; Linux) \\ "quoted"' }]);
  });

  it(`gives the event loop a turn every ${TSV_CHUNK_ROWS} rows of a large insert's text, and stores every row`, async () => {
    const count = 2 * TSV_CHUNK_ROWS + 1;
    const rows = Array.from({ length: count }, (_, i) => {
      const result = normalizer.send({ ...wire.send, event_id: `chunked-${i}` }, i + 1);
      if (!result.ok) throw new Error(JSON.stringify(result.rejected));
      return result.row;
    });
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    let turnsBeforeInsert = -1;
    const counting: Store = {
      ...store,
      rawInsert: (table, columns, tsv, settings) => {
        turnsBeforeInsert = turns;
        return store.rawInsert!(table, columns, tsv, settings);
      },
    };
    await insertRows(counting, 'send', rows);
    running = false;
    // Three chunks of text, a turn between each two.
    expect(turnsBeforeInsert).toBeGreaterThanOrEqual(2);
    const rs = await store.client.query({
      query: "SELECT toUInt32(count()) AS n FROM sends_raw WHERE startsWith(event_id, 'chunked-')",
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ n: count }]);
  });

  it.each([
    ['the epoch', 0],
    ['a single-digit millisecond', Date.parse('2026-11-16T10:00:00.007Z')],
    ['a two-digit millisecond', Date.parse('2026-11-16T10:00:00.042Z')],
    ['the last millisecond of a day', Date.parse('2026-11-16T23:59:59.999Z')],
  ])('writes %s as the UTC text of its millisecond, row after row', (_name, ms) => {
    const rows = [{ ts: ms }, { ts: ms + 1 }, { ts: ms }];
    const expected = rows.map(({ ts }) => new Date(ts).toISOString().replace('T', ' ').slice(0, 23)).join('\n');
    expect(toTsv(rows, ['ts'])).toBe(`${expected}\n`);
  });

  it('escapes the characters TabSeparated reserves', () => {
    expect(toTsv([{ a: 'x\\y\tz\nw\r\0', b: 2, ts: 0 }], ['a', 'b', 'ts'])).toBe('x\\\\y\\tz\\nw\\r\\0\t2\t1970-01-01 00:00:00.000\n');
  });
});

describe('deduplication tokens on a cluster', () => {
  const cluster = {
    kind: 'server',
    url: 'http://ch:8123',
    username: 'default',
    password: '',
    database: 'tollgate',
    cluster: 'tollgate',
  } as const;
  const rows = (...ids: string[]) => ids.map((event_id) => ({ event_id }));

  it('names an insert by its kind and events, whatever their order', () => {
    const token = insertDeduplicationSettings(cluster, 'send', rows('a', 'b')).insert_deduplication_token;
    expect(insertDeduplicationSettings(cluster, 'send', rows('b', 'a')).insert_deduplication_token).toBe(token);
    expect(insertDeduplicationSettings(cluster, 'verify', rows('a', 'b')).insert_deduplication_token).not.toBe(token);
    expect(insertDeduplicationSettings(cluster, 'send', rows('a', 'b', 'c')).insert_deduplication_token).not.toBe(token);
    // Ids are separated, not glued: "ab" is another event than "a" then "b".
    expect(insertDeduplicationSettings(cluster, 'send', rows('ab')).insert_deduplication_token).not.toBe(token);
    expect(insertDeduplicationSettings(cluster, 'send', rows('a'))).toMatchObject({
      insert_deduplicate: 1,
      deduplicate_blocks_in_dependent_materialized_views: 1,
    });
  });

  it('adds nothing on the embedded engine or a single server, whose tables keep no deduplication log', () => {
    expect(insertDeduplicationSettings({ kind: 'embedded', dataDir: '/tmp/x' }, 'send', rows('a'))).toEqual({});
    expect(insertDeduplicationSettings({ ...cluster, cluster: undefined }, 'send', rows('a'))).toEqual({});
  });

  it('makes ClickHouse drop a retried insert and its rollup rows (the settings on the embedded engine, tables with a deduplication log)', async () => {
    // The replicas' tables keep a deduplication log by default; these two keep one as a setting.
    await store.client.command({
      query:
        'CREATE TABLE dedup_probe (event_id String) ENGINE = MergeTree ORDER BY event_id SETTINGS non_replicated_deduplication_window = 100',
    });
    await store.client.command({
      query:
        'CREATE TABLE dedup_probe_count (n UInt64) ENGINE = SummingMergeTree ORDER BY tuple() SETTINGS non_replicated_deduplication_window = 100',
    });
    await store.client.command({
      query: 'CREATE MATERIALIZED VIEW dedup_probe_mv TO dedup_probe_count AS SELECT count() AS n FROM dedup_probe',
    });
    // The embedded connection takes settings in the statement, not as the client's options; the token is hex.
    const insert = async (ids: string[]) => {
      const settings = Object.entries(insertDeduplicationSettings(cluster, 'send', rows(...ids))).map(
        ([name, value]) => `${name} = '${value}'`,
      );
      await store.client.command({
        query: `INSERT INTO dedup_probe SETTINGS ${settings.join(', ')} VALUES ${ids.map((id) => `('${id}')`).join(', ')}`,
      });
    };
    await insert(['e1', 'e2']);
    // The retry reaches the store with its events in another order: another block, the same events.
    await insert(['e2', 'e1']);
    const count = async (query: string) =>
      Number(((await (await store.client.query({ query, format: 'JSONEachRow' })).json()) as { n: string }[])[0]!.n);
    expect(await count('SELECT count() AS n FROM dedup_probe')).toBe(2);
    expect(await count('SELECT sum(n) AS n FROM dedup_probe_count')).toBe(2);
    await insert(['e3']);
    expect(await count('SELECT sum(n) AS n FROM dedup_probe_count')).toBe(3);
  });
});
