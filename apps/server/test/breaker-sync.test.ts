/**
 * A decision node reads other nodes' breaker changes from the store every BREAKER_SYNC_MS only
 * where there are other nodes: on a store of its own (the embedded engine, which one process
 * holds) every change goes through its own registry, and the read is left out.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEgressGuard } from '@tollgate/egress';
import { openTempStore } from '@tollgate/store/testing';
import { createHasher, createPhoneNormalizer, loadAsnDatabase } from '@tollgate/events';
import type { Store } from '@tollgate/store';
import { BREAKER_SYNC_MS, createDecisionRuntime } from '../src/decision-runtime.ts';

const KEY = Buffer.from('cd'.repeat(32), 'hex');

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('breaker-sync'));
});
afterAll(() => dispose());

/** The queries that read breakers changed in the store (the start's load and each sync). */
function breakerReads(query: { mock: { calls: { query: string }[][] } }): number {
  return query.mock.calls.filter(([params]) => /FROM breakers FINAL/.test(params!.query)).length;
}

describe('breaker sync', () => {
  it.each([
    [undefined, 1],
    [true, 1],
    [false, 0],
  ])('with syncBreakers %j reads the store %i times in a sync period', async (syncBreakers, reads) => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const query = vi.spyOn(store.client, 'query');
    const runtime = createDecisionRuntime({
      store,
      identity: { hasher: createHasher(KEY), phones: createPhoneNormalizer(), asn: loadAsnDatabase(), key: KEY },
      egress: createEgressGuard(),
      ...(syncBreakers !== undefined && { syncBreakers }),
      onError: (error) => {
        throw error;
      },
    });
    try {
      await runtime.start();
      // The start loads every breaker whatever the setting.
      expect(breakerReads(query)).toBe(1);
      vi.advanceTimersByTime(BREAKER_SYNC_MS);
      // Stopping waits for the period's work to finish.
      await runtime.stop();
      expect(breakerReads(query)).toBe(1 + reads);
    } finally {
      query.mockRestore();
      vi.useRealTimers();
    }
  });
});
