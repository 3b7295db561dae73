import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHasher, createNormalizer, loadAsnDatabase } from '@tollgate/events';
import { createIngestor, type Ingestor } from '@tollgate/ingest';
import { eventCounts, type Store } from '@tollgate/store';
import { openTempStore } from '@tollgate/store/testing';
import { createSharedDedup, dedupWindowFromEnv, type SharedDedup } from '../src/shared-dedup.ts';
import { sendEvent, T0 } from '@tollgate/events/testing';
import { startRedis, type RedisServer } from './support/redis-server.ts';

const WINDOW_MS = 3_600_000;
let redis: RedisServer;
let store: Store;
let dispose: () => Promise<void>;
const opened: SharedDedup[] = [];
const ingestors: Ingestor[] = [];

beforeAll(async () => {
  redis = await startRedis();
  ({ store, dispose } = await openTempStore('shared-dedup'));
});
afterAll(async () => {
  for (const ingestor of ingestors) await ingestor.close();
  for (const shared of opened) shared.close();
  await redis.stop();
  await dispose();
});

/** Another ingest node's view of the ledger: its own connection and claimer token. */
async function ledgerNode(prefix: string): Promise<SharedDedup> {
  const shared = createSharedDedup({ url: redis.url, windowMs: WINDOW_MS, prefix });
  opened.push(shared);
  await vi.waitFor(() => expect(shared.status().ok).toBe(true), { timeout: 5_000 });
  return shared;
}

/** The ingest node under test: the real write path on the test's store, sharing ids through Redis. */
async function ingestNode(prefix: string): Promise<{ ingestor: Ingestor; shared: SharedDedup }> {
  const shared = await ledgerNode(prefix);
  const normalizer = createNormalizer({ hasher: createHasher(Buffer.alloc(32, 7)), asn: loadAsnDatabase() });
  const ingestor = createIngestor({ store, normalizers: normalizer, ledger: shared.ledger, clock: () => T0 });
  ingestors.push(ingestor);
  return { ingestor, shared };
}

const batch = (from: number, to: number, tag: string) =>
  Array.from({ length: to - from }, (_, i) => ({ line: i + 1, value: sendEvent(from + i, { event_id: `${tag}-${from + i}` }) }));
const sends = async () => (await eventCounts(store)).send;

describe('event ids shared by ingest nodes through Redis', () => {
  it('claims an id for one flush at a time, keeps it once stored, and frees it when the insert failed', async () => {
    const [a, b] = [await ledgerNode('l1:'), await ledgerNode('l1:')];
    expect(await a.ledger.claim('send', ['x', 'y'])).toEqual(['claimed', 'claimed']);
    expect(await b.ledger.claim('send', ['x', 'y', 'z'])).toEqual(['in_flight', 'in_flight', 'claimed']);
    // Another kind is another id space.
    expect(await b.ledger.claim('verify', ['x'])).toEqual(['claimed']);
    await a.ledger.commit('send', ['x']);
    await a.ledger.release('send', ['y']);
    // A release drops only the releaser's own claims: z stays B's.
    await a.ledger.release('send', ['z']);
    expect(await b.ledger.claim('send', ['x', 'y', 'z'])).toEqual(['stored', 'claimed', 'claimed']);
    // A stored id cannot be released by anyone.
    await b.ledger.release('send', ['x']);
    expect(await a.ledger.claim('send', ['x'])).toEqual(['stored']);
  });

  it('answers as duplicates, and stores nothing of, a batch another node stored', async () => {
    const other = await ledgerNode('l2:');
    const { ingestor } = await ingestNode('l2:');
    const retried = batch(0, 5, 'l2');
    const ids = retried.map((item) => (item.value as { event_id: string }).event_id);
    // The other node stored the batch: its claim, its insert (in its own store), its commit.
    expect(await other.ledger.claim('send', ids)).toEqual(ids.map(() => 'claimed'));
    await other.ledger.commit('send', ids);
    const before = await sends();
    expect(await ingestor.submit('send', retried)).toEqual({ ok: true, accepted: 0, duplicates: 5, rejected: [] });
    // Half new, half the other node's: only the new half is stored here.
    expect(await ingestor.submit('send', batch(3, 8, 'l2'))).toEqual({ ok: true, accepted: 3, duplicates: 2, rejected: [] });
    expect(await sends()).toBe(before + 3);
    // And what this node stored is a duplicate for the other one.
    expect(await other.ledger.claim('send', ['l2-5', 'l2-7'])).toEqual(['stored', 'stored']);
  });

  it('waits for another node writing the same events, and stores them if its write failed', async () => {
    const other = await ledgerNode('l3:');
    const { ingestor } = await ingestNode('l3:');
    const ids = ['l3-0', 'l3-1'];
    await other.ledger.claim('send', ids);
    const submitted = ingestor.submit('send', batch(0, 2, 'l3'));
    // The other node's insert failed: it releases its claims, and this node's flush takes them.
    await other.ledger.release('send', ids);
    expect(await submitted).toEqual({ ok: true, accepted: 2, duplicates: 0, rejected: [] });
  });

  it('releases the claims of a flush whose insert failed, so the retry (on any node) is stored', async () => {
    const other = await ledgerNode('l4:');
    const { ingestor } = await ingestNode('l4:');
    const retried = batch(0, 3, 'l4');
    // A real failure of the store: the table is gone while the flush is written.
    await store.client.command({ query: 'RENAME TABLE sends_raw TO sends_raw_away' });
    try {
      await expect(ingestor.submit('send', retried)).rejects.toThrow();
    } finally {
      await store.client.command({ query: 'RENAME TABLE sends_raw_away TO sends_raw' });
    }
    expect(await other.ledger.claim('send', ['l4-0', 'l4-1', 'l4-2'])).toEqual(['claimed', 'claimed', 'claimed']);
    await other.ledger.release('send', ['l4-0', 'l4-1', 'l4-2']);
    expect(await ingestor.submit('send', retried)).toEqual({ ok: true, accepted: 3, duplicates: 0, rejected: [] });
  });

  it("falls back to the node's own window while Redis is down, says so, and shares again when it is back", async () => {
    const { ingestor, shared } = await ingestNode('l5:');
    await redis.stop();
    const before = await sends();
    expect(await ingestor.submit('send', batch(0, 2, 'l5'))).toEqual({ ok: true, accepted: 2, duplicates: 0, rejected: [] });
    expect(shared.status()).toMatchObject({ ok: false, detail: expect.stringMatching(/^Redis .*this node's window only/) });
    // The node's own window still recognises its retry.
    expect(await ingestor.submit('send', batch(0, 2, 'l5'))).toEqual({ ok: true, accepted: 0, duplicates: 2, rejected: [] });
    expect(await sends()).toBe(before + 2);
    redis = await startRedis(redis.port);
    await vi.waitFor(() => expect(shared.status().ok).toBe(true), { timeout: 10_000 });
    expect(await ingestor.submit('send', batch(2, 3, 'l5'))).toEqual({ ok: true, accepted: 1, duplicates: 0, rejected: [] });
    expect(await (await ledgerNode('l5:')).ledger.claim('send', ['l5-2'])).toEqual(['stored']);
  });
});

describe('TOLLGATE_DEDUP_WINDOW_MINUTES', () => {
  it.each([
    [undefined, 24 * 3_600_000],
    ['', 24 * 3_600_000],
    ['15', 15 * 60_000],
  ])('reads %j as %i ms', (text, windowMs) => {
    expect(dedupWindowFromEnv({ TOLLGATE_DEDUP_WINDOW_MINUTES: text })).toBe(windowMs);
  });

  it.each(['0', '1.5', 'an hour', '20000'])('refuses %j, naming the variable', (text) => {
    expect(() => dedupWindowFromEnv({ TOLLGATE_DEDUP_WINDOW_MINUTES: text })).toThrow(
      /TOLLGATE_DEDUP_WINDOW_MINUTES must be a whole number of minutes/,
    );
  });
});
