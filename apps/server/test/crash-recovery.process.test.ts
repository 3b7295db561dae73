import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '@tollgate/store';
import { spawnServer } from './support/child-server.ts';
import { sendEvent } from '@tollgate/events/testing';
import { TEST_ADMIN_KEY, TEST_HMAC_KEY } from './support/test-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-crash-'));
const env = { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_ADMIN_KEY: TEST_ADMIN_KEY, TOLLGATE_HMAC_KEY: TEST_HMAC_KEY };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const BATCH = 50;
const WORKERS = 4;
// Kill only once this many batches were acknowledged, so the kill lands mid-stream.
const ACKED_BEFORE_KILL = 30;

type Outcome = 'acked' | 'unknown';

async function postBatch(
  url: string,
  batch: Record<string, unknown>[],
): Promise<{ outcome: Outcome; body?: { accepted: number; duplicates: number; rejected: unknown[] } }> {
  try {
    const res = await fetch(`${url}/v1/events/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    if (res.status !== 200) return { outcome: 'unknown' };
    return { outcome: 'acked', body: (await res.json()) as { accepted: number; duplicates: number; rejected: unknown[] } };
  } catch {
    return { outcome: 'unknown' };
  }
}

describe('crash recovery (child process, SIGKILL)', () => {
  it('keeps every acknowledged event exactly once across a SIGKILL and a restart with retries', async () => {
    const first = await spawnServer(env);
    const batches: Record<string, unknown>[][] = [];
    const outcome = new Map<number, Outcome>();
    let acked = 0;
    let next = 0;
    let killed = false;
    let reachedTarget!: () => void;
    const target = new Promise<void>((resolve) => (reachedTarget = resolve));

    const worker = async () => {
      while (!killed) {
        const index = next++;
        const batch = Array.from({ length: BATCH }, (_, i) =>
          sendEvent(index * BATCH + i, { event_id: `crash-${index}-${i}`, session_id: `crash-${index}-${i}` }),
        );
        batches[index] = batch;
        const result = await postBatch(first.url, batch);
        outcome.set(index, result.outcome);
        if (result.outcome === 'acked' && ++acked >= ACKED_BEFORE_KILL) reachedTarget();
      }
    };
    const workers = Array.from({ length: WORKERS }, worker);
    await target;
    first.process.kill('SIGKILL');
    killed = true;
    expect(await first.exited).toBe('SIGKILL');
    await Promise.all(workers);

    const ackedIds = new Set<string>();
    for (const [index, result] of outcome) if (result === 'acked') for (const e of batches[index]!) ackedIds.add(e.event_id as string);
    expect(ackedIds.size).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL * BATCH);

    // Restart on the same data directory; a client retries every batch it has no answer for, and
    // re-sends acknowledged ones too (the collector must count those as duplicates).
    const second = await spawnServer(env);
    let retriedAccepted = 0;
    let retriedDuplicates = 0;
    for (let index = 0; index < batches.length; index++) {
      const result = await postBatch(second.url, batches[index]!);
      expect(result.outcome, second.output()).toBe('acked');
      retriedAccepted += result.body!.accepted;
      retriedDuplicates += result.body!.duplicates;
      if (outcome.get(index) === 'acked') expect(result.body).toEqual({ accepted: 0, duplicates: BATCH, rejected: [] });
    }
    expect(retriedAccepted + retriedDuplicates).toBe(batches.length * BATCH);
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const store = createStore({ kind: 'embedded', dataDir });
    try {
      const raw = await store.client.query({
        query: "SELECT count() AS rows, uniqExact(event_id) AS ids FROM sends_raw WHERE startsWith(event_id, 'crash-')",
        format: 'JSONEachRow',
      });
      expect(await raw.json()).toEqual([{ rows: batches.length * BATCH, ids: batches.length * BATCH }]);
      const stored = await store.client.query({
        query: 'SELECT event_id FROM sends_raw WHERE event_id IN {ids:Array(String)}',
        query_params: { ids: [...ackedIds] },
        format: 'JSONCompactEachRow',
      });
      expect((await stored.json()).length).toBe(ackedIds.size);
      const rollup = await store.client.query({ query: 'SELECT toUInt64(sum(sends)) AS sends FROM traffic_1m', format: 'JSONEachRow' });
      expect(await rollup.json()).toEqual([{ sends: batches.length * BATCH }]);
    } finally {
      await store.close();
    }
  }, 180_000);
});
