import { parseBatch, type BatchFormat, type EventKind, type Rejection } from '@tollgate/events';
import type { SubmitItem } from './ingestor.ts';

/** A collector body split into events: those that parsed (normalized already, when a worker did it) and the lines that did not. */
export interface PreparedBatch {
  /** Events in the body, parsed or not: what the batch size limit counts. */
  events: number;
  items: SubmitItem[];
  rejected: Rejection[];
}

/**
 * Turns a collector's request body into what the ingestor takes. On worker threads (the
 * normalizer pool) it parses and normalizes; on the event loop it only parses, and the ingestor
 * normalizes in steps.
 */
export interface BatchPreparer {
  /** Rejects with BatchInterruptedError when the batch was lost on the way (a worker died): nothing of it is stored. */
  prepare(kind: EventKind, body: string, format: BatchFormat): Promise<PreparedBatch>;
  /** Waits for the batches under way, then stops. */
  close(): Promise<void>;
}

/** A batch lost before it reached the ingestor (its worker thread died): the client retries it whole. */
export class BatchInterruptedError extends Error {
  constructor(reason: string) {
    super(`the batch was not prepared: ${reason}`);
    this.name = 'BatchInterruptedError';
  }
}

/** Parsing on the event loop, the ingestor normalizing: a node without worker threads, and the CLI. */
export const PARSE_ON_EVENT_LOOP: BatchPreparer = {
  async prepare(_kind, body, format) {
    const { items, rejected } = parseBatch(body, format);
    return { events: items.length + rejected.length, items, rejected };
  },
  async close() {},
};

/** Batches a preparer is working on off the event loop. */
export interface PreparingBatches {
  readonly count: number;
  /** Calls `listener` each time a batch is prepared or fails. */
  onSettled(listener: () => void): void;
}

/**
 * Counts the batches of the preparers it wraps while they are prepared, so the ingestor's group
 * commit (its `preparing` dependency) waits for batches on worker threads as it does for batches
 * normalized on the event loop, and makes the same larger inserts.
 */
export function createPreparingBatches(): PreparingBatches & { around(preparer: BatchPreparer): BatchPreparer } {
  let count = 0;
  const listeners: (() => void)[] = [];
  return {
    get count() {
      return count;
    },
    onSettled(listener) {
      listeners.push(listener);
    },
    around(preparer) {
      return {
        async prepare(kind, body, format) {
          count++;
          try {
            return await preparer.prepare(kind, body, format);
          } finally {
            count--;
            for (const listener of listeners) listener();
          }
        },
        close: () => preparer.close(),
      };
    },
  };
}
