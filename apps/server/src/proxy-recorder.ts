import { channel } from 'node:diagnostics_channel';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Ingestor } from '@tollgate/ingest';
import type { RelayedEvents } from '@tollgate/proxy';

export interface ProxyRecorder {
  /** Queues a proxied call's events; they are stored with the next batch. */
  add(events: RelayedEvents): void;
  /** Stores everything queued; resolves once the ingestor has it (or has refused it). */
  flush(): Promise<void>;
  /** Stops the timer and stores what is left. */
  close(): Promise<void>;
}

/**
 * One store write per proxied send cost more than the send's decision and relay together (an
 * insert is a few milliseconds of the embedded engine whatever its size), so proxied events are
 * stored in batches: every FLUSH_MS, or at once when MAX_BATCH_EVENTS wait. The proxy answers the
 * caller from the provider, not from the store; what a crash can lose is the last FLUSH_MS of
 * recording, as the decision counts' flush does. A batch the ingestor refuses for backpressure or
 * a store error waits for the next flush, up to MAX_QUEUED_EVENTS.
 */
export const FLUSH_MS = 1_000;
const MAX_BATCH_EVENTS = 2_000;
/** A minute of heavy proxied traffic; past it the oldest events are dropped and the drop logged. */
const MAX_QUEUED_EVENTS = 100_000;
const KINDS = ['send', 'verify', 'receipt'] as const;
/**
 * Events handed to the ingestor per turn of the event loop. The ingestor validates and normalizes
 * a submission in one go (about 17 to 25 µs a send, profiled under bench:proxy): a second of busy
 * proxied traffic submitted at once held the loop, and every proxied answer waiting on it, for
 * tens of ms. In chunks of 16 a turn lasts under half a millisecond, below the 1 ms a proxied
 * answer may wait on background work, and the chunks still meet in one or two of the ingestor's
 * group commits.
 */
const SUBMIT_CHUNK_EVENTS = 16;
/**
 * Where each turn that hands a chunk to the ingestor begins and ends, for a profiler that lines
 * them up against the proxied requests waiting on the loop (bench:proxy's BENCH_TIMELINE).
 */
const recordTurns = channel('tollgate:proxy-record');

export function createProxyRecorder(deps: {
  ingestor: Ingestor;
  flushMs?: number;
  /** Hears what could not be stored, without the events (they hold phone numbers). */
  onProblem: (problem: { kind: string; detail: string; events: number }) => void;
}): ProxyRecorder {
  const queued: Record<(typeof KINDS)[number], Record<string, unknown>[]> = { send: [], verify: [], receipt: [] };
  let size = 0;
  let flushing: Promise<void> | undefined;
  const timer = setInterval(() => void flush(), deps.flushMs ?? FLUSH_MS);
  timer.unref();

  function trim() {
    for (const kind of KINDS) {
      const over = size - MAX_QUEUED_EVENTS;
      if (over <= 0) return;
      const dropped = queued[kind].splice(0, Math.min(over, queued[kind].length)).length;
      size -= dropped;
      if (dropped > 0) deps.onProblem({ kind, detail: 'recording queue full: oldest proxied events dropped', events: dropped });
    }
  }

  async function write(): Promise<void> {
    const batch = { send: queued.send, verify: queued.verify, receipt: queued.receipt };
    queued.send = [];
    queued.verify = [];
    queued.receipt = [];
    size = 0;
    // Sends are submitted before the verifies and receipts that attach to them, so each meets its
    // send in the same flush of the ingestor or a later one.
    const submissions: Promise<void>[] = [];
    for (const kind of KINDS) {
      for (let at = 0; at < batch[kind].length; at += SUBMIT_CHUNK_EVENTS) {
        if (submissions.length > 0) await nextTurn();
        if (recordTurns.hasSubscribers) recordTurns.publish('submit');
        submissions.push(submit(kind, batch[kind].slice(at, at + SUBMIT_CHUNK_EVENTS)));
        if (recordTurns.hasSubscribers) recordTurns.publish('submitted');
      }
    }
    await Promise.all(submissions);
  }

  async function submit(kind: (typeof KINDS)[number], events: Record<string, unknown>[]): Promise<void> {
    try {
      const result = await deps.ingestor.submit(
        kind,
        events.map((value, i) => ({ line: i + 1, value })),
      );
      if (!result.ok) return requeue(kind, events, `the collector is overloaded (retry after ${result.retryAfterS} s)`);
      if (result.rejected.length > 0) {
        // Fields only: a reason may quote the value, and values here are phone numbers.
        deps.onProblem({
          kind,
          detail: `rejected fields: ${[...new Set(result.rejected.map((r) => r.field))].join(', ')}`,
          events: result.rejected.length,
        });
      }
    } catch (error) {
      requeue(kind, events, `the store refused the write (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  function requeue(kind: (typeof KINDS)[number], events: Record<string, unknown>[], detail: string) {
    queued[kind] = [...events, ...queued[kind]];
    size += events.length;
    deps.onProblem({ kind, detail: `${detail}: kept for the next flush`, events: events.length });
    trim();
  }

  function flush(): Promise<void> {
    if (flushing !== undefined) return flushing;
    if (size === 0) return Promise.resolve();
    flushing = write().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  return {
    add(events) {
      for (const kind of KINDS) {
        const event = events[kind];
        if (event === undefined) continue;
        queued[kind].push(event);
        size += 1;
      }
      trim();
      if (size >= MAX_BATCH_EVENTS) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flushing;
      await flush();
    },
  };
}
