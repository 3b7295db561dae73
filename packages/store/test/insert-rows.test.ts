import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHasher, createNormalizer, loadAsnDatabase, ROW_COLUMNS, type EventKind } from '@tollgate/events';
import { insertRows, type Store } from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';
import { toTsv } from '../src/tsv.ts';

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('insert'));
});
afterAll(() => dispose());

const normalizer = createNormalizer({ hasher: createHasher(Buffer.alloc(32, 3)), asn: loadAsnDatabase() });
const ts = '2026-11-20T10:00:00Z';
const wire: Record<EventKind, Record<string, unknown>> = {
  send: { event_id: 's\\1', ts, app: 'shop', flow: 'login', session_id: 'a\\b', phone: '+447400123456', ip: '81.2.69.160', provider: 'twilio', status: 'accepted', cost: 0.04, user_agent: 'Mozilla/5.0 (X11; Linux) \\ "quoted"' },
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
    const rs = await store.client.query({ query: "SELECT event_id, session_id, user_agent FROM sends_raw", format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ event_id: 's\\1', session_id: 'a\\b', user_agent: 'Mozilla/5.0 (X11; Linux) \\ "quoted"' }]);
  });

  it('escapes the characters TabSeparated reserves', () => {
    expect(toTsv([{ a: 'x\\y\tz\nw\r\0', b: 2, ts: 0 }], ['a', 'b', 'ts'])).toBe('x\\\\y\\tz\\nw\\r\\0\t2\t1970-01-01 00:00:00.000\n');
  });
});
