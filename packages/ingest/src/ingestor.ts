import type { EventKind, Rejection, RowsByKind, SendRow, SendScope } from '@tollgate/events';
import {
  insertRows,
  recentEventIds,
  recentSessionSends,
  recentVerifiedSessions,
  sendScopesByMessage,
  sendScopesBySession,
  type ScopedSend,
  type Store,
} from '@tollgate/store';
import { setTimeout as wait } from 'node:timers/promises';
import { claimFlush, type EventIdLedger } from './event-id-ledger.ts';
import { NO_METRICS, type IngestMetrics } from './ingest-metrics.ts';
import { RecentMap } from './recent-map.ts';

/** Turns one wire item into a row or says why not (the events package's normalizer fits). */
export type NormalizeFn<K extends EventKind> = (
  value: unknown,
  line: number,
) => { ok: true; row: RowsByKind[K] } | { ok: false; rejected: Rejection[] };

export type Normalizers = { [K in EventKind]: NormalizeFn<K> };

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
}

// A day covers how long services and providers retry; sizes keep the indexes to a few hundred MB.
export const DEFAULT_INGEST_OPTIONS: IngestorOptions = {
  dedupWindowMs: 24 * 3_600_000,
  dedupMaxIds: 8_000_000,
  maxPendingEvents: 200_000,
  scopeIndexSize: 2_000_000,
};

// How far back a late event's send is searched in the store: verifies come within minutes,
// receipts within hours to a couple of days, and bills up to weeks late (a provider's export of
// last month): a bill is filed under its send's minute when the send is at most 35 days older.
const VERIFY_LOOKBACK_MS = 24 * 3_600_000;
const MESSAGE_LOOKBACK_MS = 3 * 24 * 3_600_000;
const BILL_LOOKBACK_MS = 35 * 24 * 3_600_000;
// Sessions loaded at a restart: a resend or the verify of a code comes within minutes of the send.
const SESSION_WARM_MS = 3_600_000;
const RETRY_AFTER_S = 1;

/** A session the ingestor has seen: the scope of its first send, and which of its counts are stored. */
interface KnownSession extends SendScope {
  /** A send of it is stored (with `session_start` = 1, or before this process). */
  started: boolean;
  /** A verify that counted it as verified is stored. */
  verified: boolean;
}

interface Pending {
  kind: EventKind;
  rows: { line: number; row: RowsByKind[EventKind] }[];
  resolve(result: { accepted: number; duplicates: number }): void;
  reject(error: unknown): void;
}

export interface Ingestor {
  /** Loads recently stored event ids so duplicates are recognised across a restart. */
  warm(): Promise<void>;
  /** Validates, normalizes and durably stores a batch; resolves once stored (never before). */
  submit(kind: EventKind, items: { line: number; value: unknown }[]): Promise<IngestResult>;
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
}): Ingestor {
  const { store, normalizers, ledger } = deps;
  const clock = deps.clock ?? Date.now;
  const metrics = deps.metrics ?? NO_METRICS;
  const options = { ...DEFAULT_INGEST_OPTIONS, ...deps.options };
  const seen = Object.fromEntries(
    (['send', 'verify', 'billing', 'receipt'] as const).map((kind) => [
      kind,
      new RecentMap<1>({ windowMs: options.dedupWindowMs, maxEntries: options.dedupMaxIds, clock }),
    ]),
  ) as Record<EventKind, RecentMap<1>>;
  const scopeWindow = { windowMs: MESSAGE_LOOKBACK_MS, maxEntries: options.scopeIndexSize, clock };
  const bySession = new RecentMap<KnownSession>(scopeWindow);
  const byMessage = new RecentMap<SendScope>(scopeWindow);

  let queue: Pending[] = [];
  let pending = 0;
  let flushing: Promise<void> | null = null;
  let closed = false;

  /** `stored`: the send is already in the store (read from it), not one of the flush being written. */
  function rememberSend(row: SendRow | ScopedSend, ts: number, stored: boolean): void {
    // One object per send: the session's entry when it is new, and the message's scope either way.
    const scope: KnownSession = {
      send_ts: ts,
      app: row.app,
      flow: row.flow,
      country: row.country,
      prefix: row.prefix,
      asn: row.asn,
      provider: row.provider,
      started: stored,
      verified: false,
    };
    const key = sessionKey(row.app, row.session_id);
    const known = bySession.get(key);
    if (!known) bySession.set(key, scope);
    else if (stored) known.started = true;
    if (row.message_id) byMessage.set(row.message_id, scope);
  }

  async function attachScopes(batch: Pending[]): Promise<void> {
    const missingSessions = new Map<string, { ids: Set<string>; minTs: number }>();
    const missingMessages = { ids: new Set<string>(), minTs: Infinity, lookbackMs: MESSAGE_LOOKBACK_MS };
    for (const item of batch) {
      if (item.kind === 'send') continue;
      for (const { row } of item.rows) {
        if (item.kind === 'verify') {
          const verify = row as RowsByKind['verify'];
          if (bySession.has(sessionKey(verify.app, verify.session_id))) continue;
          const entry = missingSessions.get(verify.app) ?? { ids: new Set(), minTs: Infinity };
          entry.ids.add(verify.session_id);
          entry.minTs = Math.min(entry.minTs, verify.ts);
          missingSessions.set(verify.app, entry);
        } else {
          const messageId = item.kind === 'billing' ? (row as RowsByKind['billing']).event_id : (row as RowsByKind['receipt']).message_id;
          if (!messageId || byMessage.has(messageId)) continue;
          missingMessages.ids.add(messageId);
          missingMessages.minTs = Math.min(missingMessages.minTs, row.ts);
          if (item.kind === 'billing') missingMessages.lookbackMs = BILL_LOOKBACK_MS;
        }
      }
    }
    for (const [app, { ids, minTs }] of missingSessions) {
      for (const send of await sendScopesBySession(store, app, [...ids], minTs - VERIFY_LOOKBACK_MS))
        rememberSend(send, send.send_ts, true);
    }
    if (missingMessages.ids.size > 0) {
      const sends = await sendScopesByMessage(store, [...missingMessages.ids], missingMessages.minTs - missingMessages.lookbackMs);
      for (const send of sends) rememberSend(send, send.send_ts, true);
    }
    for (const item of batch) {
      if (item.kind === 'send') continue;
      for (const { row } of item.rows) {
        const scoped = row as RowsByKind['verify' | 'billing' | 'receipt'];
        const scope =
          item.kind === 'verify'
            ? bySession.get(sessionKey(scoped.app, (row as RowsByKind['verify']).session_id))
            : byMessage.get(item.kind === 'billing' ? scoped.event_id : (row as RowsByKind['receipt']).message_id);
        if (scope) applyScope(scoped, scope);
      }
    }
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const eventsInBatch = batch.reduce((n, item) => n + item.rows.length, 0);
      try {
        await writeBatch(batch);
      } catch (error) {
        await releaseClaims();
        for (const item of batch) item.reject(error);
      } finally {
        pending -= eventsInBatch;
      }
    }
  }

  async function writeBatch(batch: Pending[]): Promise<void> {
    const fresh = new Map<Pending, RowsByKind[EventKind][]>();
    const flushIds = Object.fromEntries((['send', 'verify', 'billing', 'receipt'] as const).map((k) => [k, new Set<string>()])) as Record<
      EventKind,
      Set<string>
    >;
    for (const item of batch) {
      const keep: RowsByKind[EventKind][] = [];
      for (const { row } of item.rows) {
        if (seen[item.kind].has(row.event_id) || flushIds[item.kind].has(row.event_id)) continue;
        flushIds[item.kind].add(row.event_id);
        keep.push(row);
      }
      fresh.set(item, keep);
    }
    if (ledger) await dropStoredElsewhere(ledger, batch, fresh, flushIds);
    // Sends first: a verify in the same flush may belong to one of them.
    for (const item of batch) {
      if (item.kind === 'send') for (const row of fresh.get(item)! as SendRow[]) rememberSend(row, row.ts, false);
    }
    await attachScopes(batch);
    const counted = countSessions(batch, fresh);
    for (const kind of ['send', 'verify', 'billing', 'receipt'] as const) {
      const rows = batch.filter((item) => item.kind === kind).flatMap((item) => fresh.get(item)!);
      if (rows.length === 0) continue;
      const started = performance.now();
      await insertRows(store, kind, rows);
      metrics.insertSeconds(kind, (performance.now() - started) / 1000);
      for (const id of flushIds[kind]) seen[kind].set(id, 1);
      await commitClaims(kind);
      // Only once stored: a flush that fails leaves its sessions uncounted, so the retry counts them.
      if (kind === 'send') for (const known of counted.started) known.started = true;
      if (kind === 'verify') for (const known of counted.verified) known.verified = true;
    }
    for (const item of batch) {
      const accepted = fresh.get(item)!.length;
      const duplicates = item.rows.length - accepted;
      metrics.accepted(item.kind, accepted);
      if (duplicates > 0) metrics.duplicates(item.kind, duplicates);
      item.resolve({ accepted, duplicates });
    }
  }

  /** The flush's ids claimed in the deployment's ledger and not yet stored, by kind. */
  let claims = new Map<EventKind, Set<string>>();

  /** A kind's rows are durable: its claimed ids are duplicates everywhere. */
  async function commitClaims(kind: EventKind): Promise<void> {
    const ids = claims.get(kind);
    claims.delete(kind);
    if (ledger && ids !== undefined && ids.size > 0) await ledger.commit(kind, [...ids]);
  }

  /** The flush failed: what it claimed and did not store goes back, so the collector's retry (here or elsewhere) is stored. */
  async function releaseClaims(): Promise<void> {
    const unstored = claims;
    claims = new Map();
    for (const [kind, ids] of unstored) if (ledger && ids.size > 0) await ledger.release(kind, [...ids]);
  }

  /**
   * Claims the flush's ids in the deployment's ledger and drops those another node stored (and
   * remembers them here, so the next retry is answered without asking).
   */
  async function dropStoredElsewhere(
    shared: EventIdLedger,
    batch: Pending[],
    fresh: Map<Pending, RowsByKind[EventKind][]>,
    flushIds: Record<EventKind, Set<string>>,
  ): Promise<void> {
    claims = new Map();
    const elsewhere = await claimFlush(
      shared,
      new Map(KINDS.filter((kind) => flushIds[kind].size > 0).map((kind) => [kind, [...flushIds[kind]]])),
      wait,
    );
    for (const item of batch) {
      const stored = elsewhere.get(item.kind);
      if (stored !== undefined && stored.size > 0)
        fresh.set(
          item,
          fresh.get(item)!.filter((row) => !stored.has(row.event_id)),
        );
    }
    for (const [kind, stored] of elsewhere) {
      for (const id of stored) {
        flushIds[kind].delete(id);
        seen[kind].set(id, 1);
      }
      claims.set(kind, flushIds[kind]);
    }
  }

  /**
   * Marks each session's first send and first successful verify in this flush (`session_start`,
   * `session_verified`): a session counts once, however many codes it was sent or tried. Returns
   * the sessions marked, to be recorded as counted once their rows are stored.
   */
  function countSessions(
    batch: Pending[],
    fresh: Map<Pending, RowsByKind[EventKind][]>,
  ): { started: Set<KnownSession>; verified: Set<KnownSession> } {
    const started = new Set<KnownSession>();
    const verified = new Set<KnownSession>();
    for (const item of batch) {
      if (item.kind === 'send') {
        for (const row of fresh.get(item)! as SendRow[]) {
          // Remembered moments ago by rememberSend (only a flush larger than the index could have lost it).
          const known = bySession.get(sessionKey(row.app, row.session_id));
          row.session_start = known && (known.started || started.has(known)) ? 0 : 1;
          if (known) started.add(known);
        }
      } else if (item.kind === 'verify') {
        for (const row of fresh.get(item)! as RowsByKind['verify'][]) {
          const known = bySession.get(sessionKey(row.app, row.session_id));
          const first = row.success === 1 && row.send_ts > 0 && known !== undefined && !known.verified && !verified.has(known);
          row.session_verified = first ? 1 : 0;
          if (first) verified.add(known);
        }
      }
    }
    return { started, verified };
  }

  function kick(): void {
    if (flushing) return;
    flushing = flush().finally(() => {
      flushing = null;
      if (queue.length > 0) kick();
    });
  }

  return {
    async warm() {
      const since = clock() - options.dedupWindowMs;
      for (const kind of ['send', 'verify', 'billing', 'receipt'] as const) {
        for await (const ids of recentEventIds(store, kind, since)) for (const id of ids) seen[kind].set(id, 1);
      }
      const sessionsSince = clock() - SESSION_WARM_MS;
      for await (const sends of recentSessionSends(store, sessionsSince, options.scopeIndexSize))
        for (const send of sends) rememberSend(send, send.send_ts, true);
      for await (const keys of recentVerifiedSessions(store, sessionsSince)) {
        for (const [app, sessionId] of keys) {
          const known = bySession.get(sessionKey(app, sessionId));
          if (known) known.verified = true;
        }
      }
    },

    async submit(kind, items) {
      if (closed) throw new Error('ingestor is closed');
      if (pending + items.length > options.maxPendingEvents && pending > 0) {
        return { ok: false, reason: 'overloaded', retryAfterS: RETRY_AFTER_S };
      }
      const normalize = normalizers[kind] as NormalizeFn<EventKind>;
      const rows: Pending['rows'] = [];
      const rejected: Rejection[] = [];
      for (const { line, value } of items) {
        const result = normalize(value, line);
        if (result.ok) rows.push({ line, row: result.row });
        else rejected.push(...result.rejected);
      }
      for (const r of rejected) metrics.rejected(kind, r.field, 1);
      if (rows.length === 0) return { ok: true, accepted: 0, duplicates: 0, rejected };
      pending += rows.length;
      const written = await new Promise<{ accepted: number; duplicates: number }>((resolve, reject) => {
        queue.push({ kind, rows, resolve, reject });
        kick();
      });
      return { ok: true, ...written, rejected };
    },

    pendingEvents: () => pending,

    async close() {
      closed = true;
      while (flushing) await flushing;
    },
  };
}

const KINDS = ['send', 'verify', 'billing', 'receipt'] as const;

function sessionKey(app: string, sessionId: string): string {
  return `${app}\u0000${sessionId}`;
}

/** Fills the scope of a later event from its send, keeping what the event itself said. */
function applyScope(row: SendScope, scope: SendScope): void {
  row.send_ts = scope.send_ts;
  row.app ||= scope.app;
  row.flow ||= scope.flow;
  row.country ||= scope.country;
  row.prefix ||= scope.prefix;
  row.asn ||= scope.asn;
  row.provider ||= scope.provider;
}
