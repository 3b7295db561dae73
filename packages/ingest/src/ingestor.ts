import type { EventKind, Rejection, RowsByKind, SendRow } from '@tollgate/events';
import { insertRows, recentEventIds, type Store } from '@tollgate/store';
import { channel } from 'node:diagnostics_channel';
import { setImmediate as nextTurn, setTimeout as wait } from 'node:timers/promises';
import type { PreparingBatches } from './batch-preparer.ts';
import { claimFlush, type EventIdLedger } from './event-id-ledger.ts';
import { NO_METRICS, type IngestMetrics } from './ingest-metrics.ts';
import { createLoopTurns, FLUSH_TURN_MS, type LoopTurns } from './loop-turns.ts';
import { RecentMap } from './recent-map.ts';
import { createSendScopes } from './send-scopes.ts';

/** Turns one wire item into a row or says why not (the events package's normalizer fits). */
export type NormalizeFn<K extends EventKind> = (
  value: unknown,
  line: number,
) => { ok: true; row: RowsByKind[K] } | { ok: false; rejected: Rejection[] };

export type Normalizers = { [K in EventKind]: NormalizeFn<K> };

/** One wire event of a batch, and its normalized result when a worker thread already made it. */
export interface SubmitItem {
  line: number;
  value: unknown;
  normalized?: ReturnType<NormalizeFn<EventKind>>;
}

export type IngestResult =
  { ok: true; accepted: number; duplicates: number; rejected: Rejection[] } | { ok: false; reason: 'overloaded'; retryAfterS: number };

export interface IngestorOptions {
  /** A retried event is recognised if it was first stored less than this long ago (default 24 h). */
  dedupWindowMs: number;
  /** Bound on remembered event ids per kind; older ids go first when it is reached. */
  dedupMaxIds: number;
  /** Events waiting for the store beyond which new batches get 429 (backpressure). */
  maxPendingEvents: number;
  /** Bound on sends remembered for attributing verifies, bills and receipts without a store query. */
  scopeIndexSize: number;
  /** Rows at which a flush stops waiting for batches still being normalized (FLUSH_TARGET_ROWS). */
  flushTargetRows: number;
  /**
   * Longest a flush waits for those batches, in ms; by default as long as the last flush took to
   * write, so an acknowledgement waits at most one insert longer than it would without waiting.
   */
  maxFlushWaitMs?: number;
  /** How long a flush holds the event loop before other work gets a turn (FLUSH_TURN_MS; 0: every few rows). */
  flushTurnMs: number;
}

/**
 * Rows at which a flush stops waiting for concurrent batches still being normalized. Most of what
 * the schema's views cost is paid per insert: the send schema takes about 25 us of CPU a row at
 * inserts of 5,000 and 15 to 18 at inserts of 20,000 (bench/RESULTS.md, "ingest: what each view
 * and index costs"), so concurrent 5,000-event requests are cheaper written together.
 */
export const FLUSH_TARGET_ROWS = 20_000;

// A day covers how long services and providers retry; sizes keep the indexes to a few hundred MB.
export const DEFAULT_INGEST_OPTIONS: IngestorOptions = {
  dedupWindowMs: 24 * 3_600_000,
  dedupMaxIds: 8_000_000,
  maxPendingEvents: 200_000,
  scopeIndexSize: 2_000_000,
  flushTargetRows: FLUSH_TARGET_ROWS,
  flushTurnMs: FLUSH_TURN_MS,
};

// Sessions loaded at a restart: a resend or the verify of a code comes within minutes of the send.
const SESSION_WARM_MS = 3_600_000;
const RETRY_AFTER_S = 1;
/**
 * Events normalized on the event loop between two turns of it: about 15 ms of work at the
 * ~30 us an event costs with a cold number-block cache, so a 5,000-event batch never holds the
 * loop (other requests, decisions, timers) for the 150 ms it takes in all.
 */
export const NORMALIZE_CHUNK_EVENTS = 500;
const KINDS = ['send', 'verify', 'billing', 'receipt'] as const;
/**
 * Where a flush says each of its turns on the event loop begins and ends, for a profiler that
 * lines them up against the requests waiting on the loop (bench:proxy's BENCH_TIMELINE). Nothing
 * is published while nobody listens.
 */
const flushTurns = channel('tollgate:ingest-flush');
const flushTurn = (step: string) => {
  if (flushTurns.hasSubscribers) flushTurns.publish(step);
};

/** A request's batch waiting in the group commit: its normalized rows, and how to answer it. */
interface Pending {
  kind: EventKind;
  rows: RowsByKind[EventKind][];
  resolve(result: { accepted: number; duplicates: number }): void;
  reject(error: unknown): void;
}

/** What a flush writes: each request's rows that are not duplicates, and the flush's event ids by kind. */
interface FreshRows {
  byRequest: Map<Pending, RowsByKind[EventKind][]>;
  ids: Record<EventKind, Set<string>>;
}

export interface Ingestor {
  /** Loads recently stored event ids so duplicates are recognised across a restart. */
  warm(): Promise<void>;
  /** Validates, normalizes and durably stores a batch; resolves once stored (never before). */
  submit(kind: EventKind, items: SubmitItem[]): Promise<IngestResult>;
  /** Events accepted by submit and not yet written. */
  pendingEvents(): number;
  /** Stops taking batches and waits until everything submitted is written. */
  close(): Promise<void>;
}

/**
 * The collectors' write path. One writer per process: it takes the batches of concurrent requests
 * together (group commit), drops events already stored (by event id, within the dedup window) or
 * repeated within the flush, attaches each verify, bill and receipt to its send, inserts, and only
 * then answers the requests. Serialising the check and the insert is what makes a retried batch
 * count once even when two copies arrive at the same time.
 */
export function createIngestor(deps: {
  store: Store;
  normalizers: Normalizers;
  clock?: () => number;
  metrics?: IngestMetrics;
  options?: Partial<IngestorOptions>;
  /** Event ids shared with the deployment's other ingest nodes; without it, dedup is this process's window only. */
  ledger?: EventIdLedger;
  /** Batches being prepared on worker threads, which a flush waits for as for batches normalized here. */
  preparing?: PreparingBatches;
}): Ingestor {
  const { store, normalizers } = deps;
  const clock = deps.clock ?? Date.now;
  const metrics = deps.metrics ?? NO_METRICS;
  const options = { ...DEFAULT_INGEST_OPTIONS, ...deps.options };
  const seen = byKind(() => new RecentMap<1>({ windowMs: options.dedupWindowMs, maxEntries: options.dedupMaxIds, clock }));
  const scopes = createSendScopes({ store, clock, maxEntries: options.scopeIndexSize });
  const claims = createFlushClaims(deps.ledger, seen);
  // A batch that stops counting as incoming wakes a flush waiting for it, rows or none.
  const normalizing = createInFlight(() => writer.wake());
  const preparing = deps.preparing;
  const writer = createGroupCommit((batch) => writeFlush(batch), claims.release, {
    targetRows: options.flushTargetRows,
    incomingBatches: () => normalizing.batches + (preparing?.count ?? 0),
    waitMs: (lastWriteMs) => options.maxFlushWaitMs ?? lastWriteMs,
  });
  // A prepared batch is submitted in its request's next steps, and its rows then wake the flush; a
  // batch refused whole never is, so the flush looks again on the next turn.
  preparing?.onSettled(() => void nextTurn().then(() => writer.wake()));

  async function writeFlush(batch: Pending[]): Promise<void> {
    flushTurn('start');
    // Other requests and timers get a turn every FLUSH_TURN_MS of the flush, within its steps and
    // between them: the flush stays the only one, so its state cannot change meanwhile.
    const turns = createLoopTurns(options.flushTurnMs, flushTurn);
    const fresh = await dropDuplicates(batch, seen, turns);
    await claims.claim(batch, fresh);
    // Sends first: a verify in the same flush may belong to one of them.
    for (const item of batch) {
      if (item.kind !== 'send') continue;
      for (const row of fresh.byRequest.get(item)! as SendRow[]) {
        if (turns.due()) await turns.yield();
        scopes.rememberSend(row, row.ts, false);
      }
    }
    const flush = KINDS.map((kind) => ({
      kind,
      rows: batch.filter((item) => item.kind === kind).flatMap((item) => fresh.byRequest.get(item)!),
    }));
    await turns.yield();
    await scopes.attach(flush, turns);
    const counted = await scopes.countSessions(flush, turns);
    await turns.yield();
    for (const { kind, rows } of flush) {
      if (rows.length === 0) continue;
      const started = performance.now();
      flushTurn('insert');
      const inserted = insertRows(store, kind, rows);
      flushTurn('inserting');
      await inserted;
      flushTurn('stored');
      metrics.insertSeconds(kind, (performance.now() - started) / 1000);
      metrics.insertRows(kind, rows.length);
      for (const id of fresh.ids[kind]) {
        if (turns.due()) await turns.yield();
        seen[kind].set(id, 1);
      }
      await claims.commit(kind);
      scopes.markStored(kind, counted);
    }
    for (const item of batch) {
      const accepted = fresh.byRequest.get(item)!.length;
      const duplicates = item.rows.length - accepted;
      metrics.accepted(item.kind, accepted);
      if (duplicates > 0) metrics.duplicates(item.kind, duplicates);
      item.resolve({ accepted, duplicates });
    }
    flushTurn('end');
  }

  /**
   * A request's rows and rejections: the items' own results when a worker normalized them, else
   * normalized here, yielding the event loop every NORMALIZE_CHUNK_EVENTS events.
   */
  async function normalizeBatch(kind: EventKind, items: SubmitItem[]): Promise<{ rows: Pending['rows']; rejected: Rejection[] }> {
    const normalize = normalizers[kind] as NormalizeFn<EventKind>;
    const rows: Pending['rows'] = [];
    const rejected: Rejection[] = [];
    let sinceTurn = 0;
    for (const { line, value, normalized } of items) {
      if (normalized === undefined && ++sinceTurn > NORMALIZE_CHUNK_EVENTS) {
        await nextTurn();
        sinceTurn = 1;
      }
      const result = normalized ?? normalize(value, line);
      if (result.ok) rows.push(result.row);
      else rejected.push(...result.rejected);
    }
    for (const r of rejected) metrics.rejected(kind, r.field, 1);
    return { rows, rejected };
  }

  return {
    async warm() {
      const since = clock() - options.dedupWindowMs;
      for (const kind of KINDS) {
        for await (const ids of recentEventIds(store, kind, since)) for (const id of ids) seen[kind].set(id, 1);
      }
      await scopes.warm(clock() - SESSION_WARM_MS);
    },

    async submit(kind, items) {
      if (writer.closed) throw new Error('ingestor is closed');
      // Batches still being normalized count as pending: they will be written.
      const queued = writer.pendingEvents + normalizing.events;
      if (queued + items.length > options.maxPendingEvents && queued > 0) {
        return { ok: false, reason: 'overloaded', retryAfterS: RETRY_AFTER_S };
      }
      // The rows join the group commit in the step that stops counting them as incoming, and the
      // batch stays in flight until then, so close() finds every batch either still normalizing or
      // queued for the writer, and a flush waiting for incoming rows never waits for rows already queued.
      const { rejected, written } = await normalizing.run(items.length, async (handOff) => {
        const normalized = await normalizeBatch(kind, items);
        handOff();
        return { rejected: normalized.rejected, written: normalized.rows.length === 0 ? undefined : writer.write(kind, normalized.rows) };
      });
      if (written === undefined) return { ok: true, accepted: 0, duplicates: 0, rejected };
      return { ok: true, ...(await written), rejected };
    },

    pendingEvents: () => writer.pendingEvents,

    async close() {
      await normalizing.idle();
      await writer.close();
    },
  };
}

/**
 * Batches being normalized between turns of the event loop: counted for backpressure and as the
 * group commit's incoming rows, awaited by close. `onHandOff` runs when a batch stops counting.
 */
function createInFlight(onHandOff: () => void) {
  let events = 0;
  let batches = 0;
  const running = new Set<Promise<unknown>>();
  return {
    get events() {
      return events;
    },
    get batches() {
      return batches;
    },
    /** Runs `work`, counting its events until it calls `handOff` (or ends). */
    async run<T>(size: number, work: (handOff: () => void) => Promise<T>): Promise<T> {
      events += size;
      batches++;
      let counted = true;
      const handOff = () => {
        if (!counted) return;
        events -= size;
        batches--;
        counted = false;
        onHandOff();
      };
      const done = work(handOff);
      running.add(done);
      try {
        return await done;
      } finally {
        handOff();
        running.delete(done);
      }
    },
    async idle(): Promise<void> {
      await Promise.allSettled([...running]);
    },
  };
}

interface GroupCommit {
  /** Queues a request's rows; resolves once the flush that holds them is stored, rejects if it failed. */
  write(kind: EventKind, rows: Pending['rows']): Promise<{ accepted: number; duplicates: number }>;
  readonly pendingEvents: number;
  readonly closed: boolean;
  /** Ends a flush's wait for incoming batches early, to look again (one stopped counting without rows). */
  wake(): void;
  /** Stops taking rows and waits until everything queued is written. */
  close(): Promise<void>;
}

/**
 * How long a flush waits for batches that are still being normalized to join it: until it holds
 * `targetRows`, or as many batches as are still on their way (the rest are normalized while it is
 * written, so the event loop and the engine keep working side by side), or `waitMs` has passed.
 */
interface GatherPolicy {
  /** Rows at which the flush stops waiting. */
  targetRows: number;
  /** Batches still being normalized (or prepared on worker threads), whose rows will join the queue. */
  incomingBatches(): number;
  /** The longest wait, given how long the last flush took to write (0 before the first). */
  waitMs(lastWriteMs: number): number;
}

/**
 * One writer per process: requests that arrive while a flush is being written wait and are
 * written together by the next one, so concurrent requests make fewer, larger inserts. Before it
 * writes, a flush waits for batches still being normalized as `policy` says. A failed flush
 * fails each of its requests (after `onFailure`), and the next flush goes on.
 */
function createGroupCommit(
  writeFlush: (batch: Pending[]) => Promise<void>,
  onFailure: () => Promise<void>,
  policy: GatherPolicy,
): GroupCommit {
  let queue: Pending[] = [];
  let pending = 0;
  let flushing: Promise<void> | null = null;
  let closed = false;
  let lastWriteMs = 0;
  let arrived: (() => void) | null = null;

  /** Resolves when a request's rows join the queue or `wake` is called, or after `ms`. */
  function nextArrival(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        arrived = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      arrived = done;
    });
  }

  /**
   * Waits for incoming batches while the queue (all of `pending` between flushes) is short of the
   * target rows and holds fewer batches than are still incoming.
   */
  async function gather(): Promise<void> {
    const deadline = performance.now() + policy.waitMs(lastWriteMs);
    while (pending < policy.targetRows && queue.length < policy.incomingBatches()) {
      const leftMs = deadline - performance.now();
      if (leftMs <= 0) return;
      await nextArrival(leftMs);
    }
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      await gather();
      const batch = queue;
      queue = [];
      const eventsInBatch = batch.reduce((n, item) => n + item.rows.length, 0);
      const started = performance.now();
      try {
        await writeFlush(batch);
      } catch (error) {
        await onFailure();
        for (const item of batch) item.reject(error);
      } finally {
        pending -= eventsInBatch;
        lastWriteMs = performance.now() - started;
      }
    }
  }

  function kick(): void {
    if (flushing) return;
    // A flush starts on the next turn of the event loop, not in the request's own: batches that
    // arrive together (answers of several worker threads, requests read in the same turn) join it.
    flushing = nextTurn()
      .then(flush)
      .finally(() => {
        flushing = null;
        if (queue.length > 0) kick();
      });
  }

  return {
    write(kind, rows) {
      pending += rows.length;
      return new Promise((resolve, reject) => {
        queue.push({ kind, rows, resolve, reject });
        arrived?.();
        kick();
      });
    },
    get pendingEvents() {
      return pending;
    },
    get closed() {
      return closed;
    },
    wake() {
      arrived?.();
    },
    async close() {
      closed = true;
      while (flushing) await flushing;
    },
  };
}

/** Each request's rows without the events stored within the window or repeated earlier in the flush. */
async function dropDuplicates(batch: Pending[], seen: Record<EventKind, RecentMap<1>>, turns: LoopTurns): Promise<FreshRows> {
  const byRequest = new Map<Pending, RowsByKind[EventKind][]>();
  const ids = byKind(() => new Set<string>());
  for (const item of batch) {
    const keep: RowsByKind[EventKind][] = [];
    for (const row of item.rows) {
      if (turns.due()) await turns.yield();
      if (seen[item.kind].has(row.event_id) || ids[item.kind].has(row.event_id)) continue;
      ids[item.kind].add(row.event_id);
      keep.push(row);
    }
    byRequest.set(item, keep);
  }
  return { byRequest, ids };
}

interface FlushClaims {
  /**
   * Claims the flush's ids in the deployment's ledger and drops those another node stored (and
   * remembers them here, so the next retry is answered without asking).
   */
  claim(batch: Pending[], fresh: FreshRows): Promise<void>;
  /** A kind's rows are durable: its claimed ids are duplicates everywhere. */
  commit(kind: EventKind): Promise<void>;
  /** The flush failed: what it claimed and did not store goes back, so the collector's retry (here or elsewhere) is stored. */
  release(): Promise<void>;
}

/** The flush's ids claimed in the deployment's ledger and not yet stored; without a ledger, nothing to do. */
function createFlushClaims(ledger: EventIdLedger | undefined, seen: Record<EventKind, RecentMap<1>>): FlushClaims {
  let claims = new Map<EventKind, Set<string>>();
  return {
    async claim(batch, fresh) {
      claims = new Map();
      if (!ledger) return;
      const elsewhere = await claimFlush(
        ledger,
        new Map(KINDS.filter((kind) => fresh.ids[kind].size > 0).map((kind) => [kind, [...fresh.ids[kind]]])),
        wait,
      );
      for (const item of batch) {
        const stored = elsewhere.get(item.kind);
        if (stored !== undefined && stored.size > 0)
          fresh.byRequest.set(
            item,
            fresh.byRequest.get(item)!.filter((row) => !stored.has(row.event_id)),
          );
      }
      for (const [kind, stored] of elsewhere) {
        for (const id of stored) {
          fresh.ids[kind].delete(id);
          seen[kind].set(id, 1);
        }
        claims.set(kind, fresh.ids[kind]);
      }
    },
    async commit(kind) {
      const ids = claims.get(kind);
      claims.delete(kind);
      if (ledger && ids !== undefined && ids.size > 0) await ledger.commit(kind, [...ids]);
    },
    async release() {
      const unstored = claims;
      claims = new Map();
      for (const [kind, ids] of unstored) if (ledger && ids.size > 0) await ledger.release(kind, [...ids]);
    },
  };
}

function byKind<T>(create: () => T): Record<EventKind, T> {
  return Object.fromEntries(KINDS.map((kind) => [kind, create()])) as Record<EventKind, T>;
}
