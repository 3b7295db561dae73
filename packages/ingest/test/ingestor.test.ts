import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingRow, Rejection, SendRow, VerifyRow } from '@tollgate/events';
import { eventCounts, type Store } from '@tollgate/store';
import { openTempStore, sendRow } from '@tollgate/store/testing';
import { createIngestor, NO_METRICS, NORMALIZE_CHUNK_EVENTS, type IngestorOptions, type Normalizers } from '../src/index.ts';

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('ingestor'));
});
afterAll(() => dispose());

const T0 = Date.parse('2026-11-20T10:00:00Z');

/** Rows pass through as given: these tests are about the write path, not validation. */
const passThrough = ((value: unknown, line: number) =>
  (value as { bad?: boolean }).bad
    ? { ok: false, rejected: [{ line, field: 'bad', reason: 'marked bad by the test' } satisfies Rejection] }
    : { ok: true, row: value }) as never;
const normalizers: Normalizers = { send: passThrough, verify: passThrough, billing: passThrough, receipt: passThrough };

/** A send of its own session, as the write path receives it once normalized. */
const send = (id: string, session: string): SendRow => sendRow(id, T0, { session_id: session });

function verify(id: string, session: string): VerifyRow {
  return {
    event_id: id,
    ts: T0 + 30_000,
    app: 'shop',
    session_id: session,
    phone_hash: '',
    ip: '',
    ip_subnet: '',
    success: 1,
    send_ts: 0,
    flow: '',
    country: '',
    prefix: '',
    asn: 0,
    provider: '',
    session_verified: 1,
  };
}

const items = (rows: unknown[]) => rows.map((value, i) => ({ line: i + 1, value }));

describe('ingestor', () => {
  it('drops ids repeated within one batch and across batches', async () => {
    const ingestor = createIngestor({ store, normalizers });
    const first = await ingestor.submit('send', items([send('a', 's-a'), send('a', 's-a'), send('b', 's-b')]));
    expect(first).toEqual({ ok: true, accepted: 2, duplicates: 1, rejected: [] });
    const second = await ingestor.submit('send', items([send('b', 's-b'), send('c', 's-c')]));
    expect(second).toEqual({ ok: true, accepted: 1, duplicates: 1, rejected: [] });
    await ingestor.close();
  });

  it('reports rejected lines and stores the rest', async () => {
    const ingestor = createIngestor({ store, normalizers });
    const result = await ingestor.submit('send', items([send('d', 's-d'), { bad: true }]));
    expect(result).toEqual({
      ok: true,
      accepted: 1,
      duplicates: 0,
      rejected: [{ line: 2, field: 'bad', reason: 'marked bad by the test' }],
    });
    await ingestor.close();
  });

  it('recognises duplicates after a restart from the ids in the store', async () => {
    const restarted = createIngestor({ store, normalizers });
    await restarted.warm();
    expect(await restarted.submit('send', items([send('a', 's-a'), send('e', 's-e')]))).toMatchObject({ accepted: 1, duplicates: 1 });
    await restarted.close();
    expect((await eventCounts(store)).send).toBe(5);
  });

  it('attributes a verify to its send from the store when the send is not in memory', async () => {
    const fresh = createIngestor({ store, normalizers });
    await fresh.submit('verify', items([verify('v-c', 's-c')]));
    await fresh.close();
    const rs = await store.client.query({
      query: "SELECT toUnixTimestamp64Milli(send_ts) AS send_ts, flow, country, provider FROM verifies_raw WHERE event_id = 'v-c'",
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ send_ts: T0, flow: 'login', country: 'GB', provider: 'twilio' }]);
  });

  it("files a bill that arrives weeks late under its send's minute, from the store", async () => {
    const DAY = 86_400_000;
    // A provider's export of last month: the bill comes 20 days after the send, to a fresh process.
    const bill: BillingRow = {
      event_id: 'm-c',
      ts: T0 + 20 * DAY,
      segments: 1,
      cost: 0.12,
      currency: 'USD',
      cost_usd: 0.12,
      send_ts: 0,
      app: '',
      flow: '',
      country: '',
      prefix: '',
      asn: 0,
      provider: 'twilio',
    };
    const fresh = createIngestor({ store, normalizers });
    await fresh.submit('billing', items([bill]));
    await fresh.close();
    const rs = await store.client.query({
      query: "SELECT toUnixTimestamp64Milli(send_ts) AS send_ts, app, country FROM billing_raw WHERE event_id = 'm-c'",
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ send_ts: T0, app: 'shop', country: 'GB' }]);
  });

  it('answers overloaded instead of queueing past the bound', async () => {
    const small = createIngestor({ store, normalizers, options: { maxPendingEvents: 3 } });
    const inFlight = small.submit('send', items([send('f1', 's-f1'), send('f2', 's-f2'), send('f3', 's-f3')]));
    const refused = await small.submit('send', items([send('f4', 's-f4')]));
    expect(refused).toEqual({ ok: false, reason: 'overloaded', retryAfterS: 1 });
    expect(await inFlight).toMatchObject({ accepted: 3 });
    expect(small.pendingEvents()).toBe(0);
    await small.close();
  });

  it('acknowledges nothing when the store refuses the write, and takes the retry', async () => {
    // The real store with its inserts failing, as a full disk or a lost server would.
    const fail = () => Promise.reject(new Error('disk full'));
    const failingClient = Object.create(store.client, { insert: { value: fail } });
    const broken = createIngestor({ store: { ...store, client: failingClient, rawInsert: fail }, normalizers });
    await expect(broken.submit('send', items([send('g', 's-g')]))).rejects.toThrow('disk full');
    await broken.close();
    const healthy = createIngestor({ store, normalizers });
    expect(await healthy.submit('send', items([send('g', 's-g')]))).toMatchObject({ accepted: 1, duplicates: 0 });
    await healthy.close();
  });
});

describe('a flush in turns of the event loop', () => {
  it('gives the loop turns within a large flush, drops repeats across them and stores each row once', async () => {
    const steps: string[] = [];
    const hear = (step: unknown) => steps.push(step as string);
    subscribe('tollgate:ingest-flush', hear);
    let loopTurns = 0;
    let flushing = false;
    const tick = () => {
      if (steps.includes('start') && !steps.includes('end')) loopTurns++;
      if (flushing) setImmediate(tick);
    };
    try {
      // flushTurnMs 0: a turn every few rows, whatever the machine's speed.
      const ingestor = createIngestor({ store, normalizers, options: { flushTurnMs: 0 } });
      const rows = Array.from({ length: 2_000 }, (_, i) => send(`turns-${i % 1_990}`, `s-turns-${i % 1_990}`));
      flushing = true;
      setImmediate(tick);
      const result = await ingestor.submit('send', items(rows));
      flushing = false;
      await ingestor.close();
      expect(result).toEqual({ ok: true, accepted: 1_990, duplicates: 10, rejected: [] });
      const rs = await store.client.query({
        query: "SELECT toUInt32(count()) AS n, toUInt32(uniqExact(event_id)) AS ids FROM sends_raw WHERE startsWith(event_id, 'turns-')",
        format: 'JSONEachRow',
      });
      expect(await rs.json()).toEqual([{ n: 1_990, ids: 1_990 }]);
      // Dropping repeats alone spans 2,000 rows, a turn every 32.
      expect(steps.filter((step) => step === 'yield').length).toBeGreaterThanOrEqual(2_000 / 32);
      expect(loopTurns).toBeGreaterThanOrEqual(2_000 / 32);
    } finally {
      flushing = false;
      unsubscribe('tollgate:ingest-flush', hear);
    }
  });
});

describe('session marks: each session counted once, in its first send', () => {
  async function marks(table: 'sends_raw' | 'verifies_raw', ids: string[]): Promise<Record<string, number>> {
    const column = table === 'sends_raw' ? 'session_start' : 'session_verified';
    const rs = await store.client.query({
      query: `SELECT event_id, ${column} AS mark FROM {table:Identifier} WHERE event_id IN {ids:Array(String)}`,
      query_params: { table, ids },
      format: 'JSONEachRow',
    });
    return Object.fromEntries((await rs.json<{ event_id: string; mark: number }>()).map((r) => [r.event_id, r.mark]));
  }
  const sent = (id: string, session: string, ts: number) => ({ ...send(id, session), ts });
  const tried = (id: string, session: string, success: 0 | 1) => ({ ...verify(id, session), success, session_verified: success });

  it('marks the first send of a session, not its resends in the same batch or a later one', async () => {
    const ingestor = createIngestor({ store, normalizers });
    await ingestor.submit('send', items([sent('m1', 'S1', T0), sent('m2', 'S1', T0 + 20_000), sent('m3', 'S2', T0 + 30_000)]));
    await ingestor.submit('send', items([sent('m4', 'S1', T0 + 90_000), sent('m5', 'S3', T0 + 95_000)]));
    await ingestor.close();
    expect(await marks('sends_raw', ['m1', 'm2', 'm3', 'm4', 'm5'])).toEqual({ m1: 1, m2: 0, m3: 1, m4: 0, m5: 1 });
  });

  it('marks the first successful verify of a known session only', async () => {
    const ingestor = createIngestor({ store, normalizers });
    await ingestor.submit('send', items([sent('n1', 'V1', T0)]));
    await ingestor.submit('verify', items([tried('nv1', 'V1', 0), tried('nv2', 'V1', 1), tried('nv3', 'V1', 1)]));
    await ingestor.submit('verify', items([tried('nv4', 'V1', 1), tried('nv5', 'nobody-sent-this', 1)]));
    await ingestor.close();
    expect(await marks('verifies_raw', ['nv1', 'nv2', 'nv3', 'nv4', 'nv5'])).toEqual({ nv1: 0, nv2: 1, nv3: 0, nv4: 0, nv5: 0 });
  });

  it('still counts a session whose first write failed, when the batch is retried', async () => {
    // The embedded store's insert, failing once.
    let failures = 1;
    const flaky: NonNullable<Store['rawInsert']> = (table, columns, tsv, settings) =>
      failures-- > 0 ? Promise.reject(new Error('disk full')) : store.rawInsert!(table, columns, tsv, settings);
    const ingestor = createIngestor({ store: { ...store, rawInsert: flaky }, normalizers });
    await expect(ingestor.submit('send', items([sent('r1', 'R1', T0)]))).rejects.toThrow('disk full');
    expect(await ingestor.submit('send', items([sent('r1', 'R1', T0)]))).toMatchObject({ accepted: 1 });
    await ingestor.close();
    expect(await marks('sends_raw', ['r1'])).toEqual({ r1: 1 });
  });

  it('knows the sessions of the last hour after a restart: a resend or a second success is not counted again', async () => {
    const now = T0 + 10 * 60_000;
    const first = createIngestor({ store, normalizers, clock: () => now });
    await first.submit('send', items([sent('w1', 'W1', now - 60_000)]));
    await first.submit('verify', items([tried('wv1', 'W1', 1)]));
    await first.close();
    const restarted = createIngestor({ store, normalizers, clock: () => now });
    await restarted.warm();
    await restarted.submit('send', items([sent('w2', 'W1', now), sent('w3', 'W2', now)]));
    await restarted.submit('verify', items([tried('wv2', 'W1', 1)]));
    await restarted.close();
    expect(await marks('sends_raw', ['w1', 'w2', 'w3'])).toEqual({ w1: 1, w2: 0, w3: 1 });
    expect(await marks('verifies_raw', ['wv1', 'wv2'])).toEqual({ wv1: 1, wv2: 0 });
  });
});

describe('normalizing on the event loop', () => {
  /** How many rows of each send id are stored (a retried write counted twice would show 2). */
  async function storedSends(ids: string[]): Promise<Record<string, number>> {
    const rs = await store.client.query({
      query: 'SELECT event_id, toUInt32(count()) AS n FROM sends_raw WHERE event_id IN {ids:Array(String)} GROUP BY event_id',
      query_params: { ids },
      format: 'JSONEachRow',
    });
    return Object.fromEntries((await rs.json<{ event_id: string; n: number }>()).map((r) => [r.event_id, r.n]));
  }

  /** Counts turns of the event loop while it runs, and which turn each normalizer call fell in. */
  function turnCounter() {
    let turn = 0;
    let running = true;
    const tick = () => {
      turn++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    return {
      now: () => turn,
      stop: () => (running = false),
    };
  }

  it(`yields the event loop every ${NORMALIZE_CHUNK_EVENTS} events of a large batch`, async () => {
    const turns = turnCounter();
    const callsPerTurn = new Map<number, number>();
    const counted = ((value: unknown, line: number) => {
      callsPerTurn.set(turns.now(), (callsPerTurn.get(turns.now()) ?? 0) + 1);
      return (passThrough as (v: unknown, l: number) => unknown)(value, line);
    }) as never;
    const ingestor = createIngestor({ store, normalizers: { ...normalizers, send: counted } });
    const events = 4 * NORMALIZE_CHUNK_EVENTS + 10;
    const result = await ingestor.submit('send', items(Array.from({ length: events }, (_, i) => send(`chunk-${i}`, `s-chunk-${i}`))));
    turns.stop();
    await ingestor.close();
    expect(result).toMatchObject({ accepted: events });
    expect([...callsPerTurn.values()].reduce((a, b) => a + b, 0)).toBe(events);
    expect(callsPerTurn.size).toBeGreaterThanOrEqual(5);
    expect(Math.max(...callsPerTurn.values())).toBeLessThanOrEqual(NORMALIZE_CHUNK_EVENTS);
  });

  it('takes the results a worker thread made as they are, normalizing nothing again', async () => {
    const never = (() => {
      throw new Error('normalized twice');
    }) as never;
    const ingestor = createIngestor({ store, normalizers: { ...normalizers, send: never } });
    const rejected: Rejection = { line: 2, field: 'phone', reason: 'not a phone number' };
    const result = await ingestor.submit('send', [
      { line: 1, value: undefined, normalized: { ok: true, row: send('pre-1', 's-pre-1') } },
      { line: 2, value: undefined, normalized: { ok: false, rejected: [rejected] } },
    ]);
    await ingestor.close();
    expect(result).toEqual({ ok: true, accepted: 1, duplicates: 0, rejected: [rejected] });
    expect(await storedSends(['pre-1', 'pre-2'])).toEqual({ 'pre-1': 1 });
  });

  /**
   * Submits concurrent batches of these sizes and returns the rows of each insert. Batches of more
   * steps of normalization finish later, so the first one done does not find the others queued.
   */
  async function concurrentInserts(name: string, sizes: number[], options: Partial<IngestorOptions>): Promise<number[]> {
    const inserts: number[] = [];
    const ingestor = createIngestor({
      store,
      normalizers,
      options,
      metrics: { ...NO_METRICS, insertRows: (_kind, rows) => inserts.push(rows) },
    });
    // One flush first, so that "as long as the last flush took" is a measured time.
    await ingestor.submit('send', items([send(`${name}-first`, `s-${name}-first`)]));
    const batch = (r: number) => items(Array.from({ length: sizes[r]! }, (_, i) => send(`${name}-${r}-${i}`, `s-${name}-${r}-${i}`)));
    const results = await Promise.all(sizes.map((_, r) => ingestor.submit('send', batch(r))));
    await ingestor.close();
    expect(results.map((result) => result.ok && result.accepted)).toEqual(sizes);
    return inserts.slice(1);
  }

  // One, two, three and four steps of normalization and a bit.
  const SIZES = [1, 2, 3, 4].map((steps) => steps * NORMALIZE_CHUNK_EVENTS + 100);
  const total = (rows: number[]) => rows.reduce((a, b) => a + b, 0);

  it('waits for concurrent batches still being normalized until it holds as many as are still on their way', async () => {
    const inserts = await concurrentInserts('gather', SIZES, { maxFlushWaitMs: 60_000 });
    // The first two: the other two are normalized while they are written.
    expect(inserts[0]).toBe(SIZES[0]! + SIZES[1]!);
    expect(total(inserts)).toBe(total(SIZES));
  });

  it('stops waiting once a flush holds the target rows', async () => {
    const sizes = [100, ...SIZES];
    const target = sizes[0]! + sizes[1]!;
    // Two batches queued and three on their way: the target, not the count, ends the wait.
    const inserts = await concurrentInserts('target', sizes, { maxFlushWaitMs: 60_000, flushTargetRows: target });
    expect(inserts[0]).toBe(target);
    expect(total(inserts)).toBe(total(sizes));
  });

  it('stops waiting for a batch whose every line was rejected', async () => {
    // Without the batch saying it brings no rows, the flush would wait out the minute.
    const inserts: number[] = [];
    const ingestor = createIngestor({
      store,
      normalizers,
      options: { maxFlushWaitMs: 60_000 },
      metrics: { ...NO_METRICS, insertRows: (_kind, rows) => inserts.push(rows) },
    });
    await ingestor.submit('send', items([send('rejected-first', 's-rejected-first')]));
    const [stored, rejected] = await Promise.all([
      ingestor.submit('send', items(Array.from({ length: SIZES[0]! }, (_, i) => send(`rejected-${i}`, `s-rejected-${i}`)))),
      ingestor.submit('send', items(Array.from({ length: SIZES[2]! }, () => ({ bad: true })))),
    ]);
    await ingestor.close();
    expect(stored).toMatchObject({ accepted: SIZES[0] });
    expect(rejected).toMatchObject({ accepted: 0 });
    expect(inserts.slice(1)).toEqual([SIZES[0]]);
  });

  it('writes what has arrived when waiting is not allowed', async () => {
    const inserts = await concurrentInserts('nowait', SIZES, { maxFlushWaitMs: 0 });
    expect(inserts[0]).toBe(SIZES[0]);
    expect(total(inserts)).toBe(total(SIZES));
  });

  it('stores a batch that was still being normalized when close() was called', async () => {
    const ingestor = createIngestor({ store, normalizers });
    const events = 2 * NORMALIZE_CHUNK_EVENTS;
    const submitted = ingestor.submit('send', items(Array.from({ length: events }, (_, i) => send(`closing-${i}`, `s-closing-${i}`))));
    await ingestor.close();
    expect(await submitted).toMatchObject({ accepted: events });
    const stored = await storedSends(Array.from({ length: events }, (_, i) => `closing-${i}`));
    expect(Object.keys(stored)).toHaveLength(events);
    expect(new Set(Object.values(stored))).toEqual(new Set([1]));
  });
});
