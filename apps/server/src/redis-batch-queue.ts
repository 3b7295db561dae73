/**
 * What a node owes a shared Redis state (velocity counts, verify ladder changes), sent in batches
 * of at most `maxBatch` items a round trip, at most `batchMs` after the first one waits. Bounded:
 * while Redis is away the oldest items are dropped, since each was already applied on this node.
 */
export interface RedisBatchQueue<T> {
  push(item: T): void;
  /** Items waiting or on their way, until their reply is absorbed (for `/readyz` and the metrics). */
  pending(): number;
  /** Sends everything queued and waits for the replies. */
  flush(): Promise<void>;
  /** Stops batching and waits for the batch on its way. */
  close(): Promise<void>;
}

export function createRedisBatchQueue<T>(deps: {
  /** One round trip; expected failures are the caller's to handle (it says Redis is down). */
  send(batch: T[]): Promise<void>;
  batchMs: number;
  maxBatch: number;
  maxPending: number;
}): RedisBatchQueue<T> {
  const queue: T[] = [];
  let sending = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  function drain(): void {
    timer = undefined;
    const batch = queue.splice(0, deps.maxBatch);
    sending += batch.length;
    inFlight = inFlight
      .then(() => deps.send(batch))
      .finally(() => {
        sending -= batch.length;
      });
    if (queue.length > 0) schedule();
  }

  function schedule(): void {
    timer ??= setTimeout(drain, deps.batchMs);
  }

  return {
    push(item) {
      if (queue.length >= deps.maxPending) queue.shift();
      queue.push(item);
      schedule();
    },
    pending: () => queue.length + sending,
    async flush() {
      while (queue.length > 0 || timer !== undefined) {
        if (timer !== undefined) clearTimeout(timer);
        drain();
        await inFlight;
      }
      await inFlight;
    },
    async close() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
