import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHasher,
  createNormalizer,
  loadAsnDatabase,
  MAX_BATCH_EVENTS,
  MAX_FUTURE_SKEW_MS,
  parseBatch,
  type EventKind,
} from '@tollgate/events';
import { ndjson, sendEvent as send, T0 } from '@tollgate/events/testing';
import { openTempStore } from '@tollgate/store/testing';
import {
  BatchInterruptedError,
  createIngestor,
  createNormalizerPool,
  createPreparingBatches,
  NO_METRICS,
  type BatchPreparer,
  type Normalizers,
} from '../src/index.ts';

const HMAC_KEY = Buffer.alloc(32, 9);
/** The server's clock in these tests: an event more than MAX_FUTURE_SKEW_MS after it is refused. */
let serverNowMs = T0;

/** What the event loop makes of the same body: parse, then the normalizer the ingestor would run. */
function onEventLoop(kind: EventKind, body: string, format: 'json' | 'ndjson') {
  const normalizer = createNormalizer({ hasher: createHasher(HMAC_KEY), asn: loadAsnDatabase(), clock: () => serverNowMs });
  const parsed = parseBatch(body, format);
  return {
    events: parsed.items.length + parsed.rejected.length,
    items: parsed.items.map(({ line, value }) => ({
      line,
      value: kind === 'verify' ? value : undefined,
      normalized: normalizer[kind](value, line),
    })),
    rejected: parsed.rejected,
  };
}

let pool: BatchPreparer;
const workers: Worker[] = [];
beforeAll(async () => {
  pool = await createNormalizerPool({ size: 2, hmacKey: HMAC_KEY, clock: () => serverNowMs, onWorker: (w) => workers.push(w) });
});
afterAll(() => pool.close());

describe('normalizer pool', () => {
  const mixed = ndjson([send(1), { ...send(2), phone: '12' }, send(3)]) + '{"event_id": "cut-of\n' + ndjson([send(4, { ts: 'yesterday' })]);
  const verifies = JSON.stringify([
    { event_id: 'v-1', ts: new Date(T0).toISOString(), app: 'shop', session_id: 'sess-1', ip: '81.2.69.160', success: true },
    { event_id: 'v-2', app: 'shop', session_id: 'sess-1', success: 'yes' },
  ]);

  it.each([
    ['send', 'NDJSON with bad lines', mixed, 'ndjson'],
    ['verify', 'a JSON array', verifies, 'json'],
    ['send', 'a body that is not JSON', '{"nope', 'json'],
  ] as const)('prepares %s events from %s exactly as the event loop would', async (kind, _what, body, format) => {
    expect(await pool.prepare(kind, body, format)).toEqual(onEventLoop(kind, body, format));
  });

  it("judges each batch's times by the server's clock, not the worker's", async () => {
    const aheadMs = MAX_FUTURE_SKEW_MS + 3_600_000;
    const body = ndjson([send(0, { ts: new Date(T0 + aheadMs).toISOString() })]);
    serverNowMs = T0;
    const early = await pool.prepare('send', body, 'ndjson');
    serverNowMs = T0 + aheadMs;
    const onTime = await pool.prepare('send', body, 'ndjson');
    serverNowMs = T0;
    expect(early.items[0]!.normalized).toMatchObject({ ok: false, rejected: [{ line: 1, field: 'ts' }] });
    expect(onTime.items[0]!.normalized).toMatchObject({ ok: true });
  });

  it('counts the events of a batch over the limit without normalizing them', async () => {
    const body = ndjson(Array.from({ length: MAX_BATCH_EVENTS + 1 }, (_, i) => send(i)));
    expect(await pool.prepare('send', body, 'ndjson')).toEqual({ events: MAX_BATCH_EVENTS + 1, items: [], rejected: [] });
  });

  it('fails the batch of a worker killed mid-batch, replaces the worker, and prepares the retry', async () => {
    const started = workers.length;
    const body = ndjson(Array.from({ length: 5_000 }, (_, i) => send(i, { ts: new Date(T0).toISOString() })));
    const batches = [pool.prepare('send', body, 'ndjson'), pool.prepare('send', body, 'ndjson')];
    // Both workers hold a batch; killing one loses its batch only.
    await workers[0]!.terminate();
    const settled = await Promise.allSettled(batches);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(BatchInterruptedError);
    await expect.poll(() => workers.length, { timeout: 30_000 }).toBe(started + 1);
    const retried = await Promise.all([pool.prepare('send', body, 'ndjson'), pool.prepare('send', body, 'ndjson')]);
    for (const batch of retried) expect(batch.items.filter((item) => item.normalized?.ok)).toHaveLength(5_000);
  });

  it('finishes the batches under way when closed, then refuses new ones', async () => {
    const own = await createNormalizerPool({ size: 1, hmacKey: HMAC_KEY, clock: () => serverNowMs });
    const underWay = own.prepare('send', ndjson([send(1), send(2)]), 'ndjson');
    await own.close();
    expect((await underWay).items).toHaveLength(2);
    await expect(own.prepare('send', ndjson([send(3)]), 'ndjson')).rejects.toBeInstanceOf(BatchInterruptedError);
  });
});

describe('batches on worker threads and the group commit', () => {
  it('waits for batches still on worker threads as for batches normalized on the event loop', async () => {
    const { store, dispose } = await openTempStore('pool-group-commit');
    const preparing = createPreparingBatches();
    const inserts: number[] = [];
    // The pool normalizes; the ingestor's own normalizers must not run.
    const never = (() => {
      throw new Error('normalized on the event loop');
    }) as never;
    const normalizers: Normalizers = { send: never, verify: never, billing: never, receipt: never };
    const ingestor = createIngestor({
      store,
      normalizers,
      preparing,
      options: { maxFlushWaitMs: 60_000 },
      metrics: { ...NO_METRICS, insertRows: (_kind, rows) => inserts.push(rows) },
    });
    const counted = preparing.around(pool);
    // A small batch first done, two larger ones still on the two workers (the largest queued
    // behind the small one): the first flush waits for the next one done, not for the last. Which
    // of the two larger ones is done first is the threads' race (a worker starved by other work on
    // the machine finishes its 1,000 after the other's 5,000), so either may join the small one.
    const sizes = [10, 1_000, 5_000];
    const bodies = sizes.map((size, b) =>
      ndjson(Array.from({ length: size }, (_, i) => send(i, { event_id: `pooled-${b}-${i}`, ts: new Date(T0).toISOString() }))),
    );
    try {
      const results = await Promise.all(
        bodies.map(async (body) => ingestor.submit('send', (await counted.prepare('send', body, 'ndjson')).items)),
      );
      await ingestor.close();
      expect(results.map((result) => result.ok && result.accepted)).toEqual(sizes);
      const [small, larger, largest] = sizes as [number, number, number];
      expect([
        [small + larger, largest],
        [small + largest, larger],
      ]).toContainEqual(inserts);
    } finally {
      await dispose();
    }
  });
});
