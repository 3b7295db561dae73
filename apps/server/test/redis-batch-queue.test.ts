import { describe, expect, it } from 'vitest';
import { createRedisBatchQueue } from '../src/redis-batch-queue.ts';

/** A queue whose round trips are recorded, and held open until `release` when asked. */
function recording(options: { maxBatch: number; maxPending: number; hold?: boolean }) {
  const batches: number[][] = [];
  let release: () => void = () => undefined;
  const queue = createRedisBatchQueue<number>({
    send: async (batch) => {
      batches.push(batch);
      if (options.hold) await new Promise<void>((resolve) => (release = resolve));
    },
    batchMs: 10,
    maxBatch: options.maxBatch,
    maxPending: options.maxPending,
  });
  return { queue, batches, release: () => release() };
}

describe('the batches a node sends to Redis', () => {
  it.each([
    { pushed: 1200, maxBatch: 500, expected: [500, 500, 200] },
    { pushed: 500, maxBatch: 500, expected: [500] },
    { pushed: 1, maxBatch: 500, expected: [1] },
  ])('sends $pushed items in batches of at most $maxBatch on flush', async ({ pushed, maxBatch, expected }) => {
    const { queue, batches } = recording({ maxBatch, maxPending: 10_000 });
    for (let i = 0; i < pushed; i++) queue.push(i);
    await queue.flush();
    expect(batches.map((batch) => batch.length)).toEqual(expected);
    expect(batches.flat()).toEqual(Array.from({ length: pushed }, (_, i) => i));
    expect(queue.pending()).toBe(0);
    await queue.close();
  });

  it('drops the oldest items past its bound, since each was already applied on the node', async () => {
    const { queue, batches } = recording({ maxBatch: 500, maxPending: 3 });
    for (let i = 1; i <= 5; i++) queue.push(i);
    expect(queue.pending()).toBe(3);
    await queue.flush();
    expect(batches).toEqual([[3, 4, 5]]);
    await queue.close();
  });

  it('counts a batch on its way as pending until its reply is in', async () => {
    const { queue, batches, release } = recording({ maxBatch: 500, maxPending: 10_000, hold: true });
    queue.push(1);
    queue.push(2);
    const flushed = queue.flush();
    await expect.poll(() => batches.length).toBe(1);
    expect(queue.pending()).toBe(2);
    release();
    await flushed;
    expect(queue.pending()).toBe(0);
    await queue.close();
  });
});
