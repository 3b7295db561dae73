import type { EventKind, RowsByKind, SendRow, SendScope } from '@tollgate/events';
import {
  recentSessionSends,
  recentVerifiedSessions,
  sendScopesByMessage,
  sendScopesBySession,
  type ScopedSend,
  type Store,
} from '@tollgate/store';
import type { LoopTurns } from './loop-turns.ts';
import { RecentMap } from './recent-map.ts';

// How far back a late event's send is searched in the store: verifies come within minutes,
// receipts within hours to a couple of days, and bills up to weeks late (a provider's export of
// last month): a bill is filed under its send's minute when the send is at most 35 days older.
const VERIFY_LOOKBACK_MS = 24 * 3_600_000;
const MESSAGE_LOOKBACK_MS = 3 * 24 * 3_600_000;
const BILL_LOOKBACK_MS = 35 * 24 * 3_600_000;

/** A session the ingestor has seen: the scope of its first send, and which of its counts are stored. */
export interface KnownSession extends SendScope {
  /** A send of it is stored (with `session_start` = 1, or before this process). */
  started: boolean;
  /** A verify that counted it as verified is stored. */
  verified: boolean;
}

/** Rows of one kind that a flush is about to write. */
export interface KindRows<K extends EventKind = EventKind> {
  kind: K;
  rows: RowsByKind[K][];
}

/** The sessions a flush marked as counted, to be recorded as such once their rows are stored. */
export interface CountedSessions {
  started: Set<KnownSession>;
  verified: Set<KnownSession>;
}

export interface SendScopes {
  /** `stored`: the send is already in the store (read from it), not one of the flush being written. */
  rememberSend(row: SendRow | ScopedSend, ts: number, stored: boolean): void;
  /** Fills each verify, bill and receipt with the scope of its send, from memory or else from the store. */
  attach(flush: readonly KindRows[], turns: LoopTurns): Promise<void>;
  /** Sets `session_start` and `session_verified` so that a session counts once; see CountedSessions. */
  countSessions(flush: readonly KindRows[], turns: LoopTurns): Promise<CountedSessions>;
  /** The kind's rows are stored: the sessions they counted are counted from now on. */
  markStored(kind: EventKind, counted: CountedSessions): void;
  /** Loads the sessions sent since `sinceMs`, so resends and verifies after a restart count right. */
  warm(sinceMs: number): Promise<void>;
}

/**
 * The sends the ingestor remembers (by session and by provider message id) so that later events
 * are filed under their send's scope and minute, and each session is counted once, without a
 * store query per event. Bounded: the oldest sends go first when `maxEntries` is reached.
 */
export function createSendScopes(deps: { store: Store; clock: () => number; maxEntries: number }): SendScopes {
  const { store } = deps;
  const window = { windowMs: MESSAGE_LOOKBACK_MS, maxEntries: deps.maxEntries, clock: deps.clock };
  const bySession = new RecentMap<KnownSession>(window);
  const byMessage = new RecentMap<SendScope>(window);

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

  /** The sessions and message ids of the flush that memory does not know, with how far back to look. */
  async function unknownSends(flush: readonly KindRows[], turns: LoopTurns) {
    const sessions = new Map<string, { ids: Set<string>; minTs: number }>();
    const messages = { ids: new Set<string>(), minTs: Infinity, lookbackMs: MESSAGE_LOOKBACK_MS };
    for (const { kind, rows } of flush) {
      if (kind === 'send') continue;
      for (const row of rows) {
        if (turns.due()) await turns.yield();
        if (kind === 'verify') {
          const verify = row as RowsByKind['verify'];
          if (bySession.has(sessionKey(verify.app, verify.session_id))) continue;
          const entry = sessions.get(verify.app) ?? { ids: new Set(), minTs: Infinity };
          entry.ids.add(verify.session_id);
          entry.minTs = Math.min(entry.minTs, verify.ts);
          sessions.set(verify.app, entry);
        } else {
          const messageId = messageIdOf(kind, row as RowsByKind['billing' | 'receipt']);
          if (!messageId || byMessage.has(messageId)) continue;
          messages.ids.add(messageId);
          messages.minTs = Math.min(messages.minTs, row.ts);
          if (kind === 'billing') messages.lookbackMs = BILL_LOOKBACK_MS;
        }
      }
    }
    return { sessions, messages };
  }

  async function attach(flush: readonly KindRows[], turns: LoopTurns): Promise<void> {
    const { sessions, messages } = await unknownSends(flush, turns);
    for (const [app, { ids, minTs }] of sessions) {
      for (const send of await sendScopesBySession(store, app, [...ids], minTs - VERIFY_LOOKBACK_MS))
        rememberSend(send, send.send_ts, true);
    }
    if (messages.ids.size > 0) {
      const sends = await sendScopesByMessage(store, [...messages.ids], messages.minTs - messages.lookbackMs);
      for (const send of sends) rememberSend(send, send.send_ts, true);
    }
    for (const { kind, rows } of flush) {
      if (kind === 'send') continue;
      for (const row of rows) {
        if (turns.due()) await turns.yield();
        const scoped = row as RowsByKind['verify' | 'billing' | 'receipt'];
        const scope =
          kind === 'verify'
            ? bySession.get(sessionKey(scoped.app, (row as RowsByKind['verify']).session_id))
            : byMessage.get(messageIdOf(kind, row as RowsByKind['billing' | 'receipt']));
        if (scope) applyScope(scoped, scope);
      }
    }
  }

  async function countSessions(flush: readonly KindRows[], turns: LoopTurns): Promise<CountedSessions> {
    const started = new Set<KnownSession>();
    const verified = new Set<KnownSession>();
    for (const { kind, rows } of flush) {
      if (kind === 'send') {
        for (const row of rows as SendRow[]) {
          if (turns.due()) await turns.yield();
          // Remembered moments ago by rememberSend (only a flush larger than the index could have lost it).
          const known = bySession.get(sessionKey(row.app, row.session_id));
          row.session_start = known && (known.started || started.has(known)) ? 0 : 1;
          if (known) started.add(known);
        }
      } else if (kind === 'verify') {
        for (const row of rows as RowsByKind['verify'][]) {
          if (turns.due()) await turns.yield();
          const known = bySession.get(sessionKey(row.app, row.session_id));
          const first = row.success === 1 && row.send_ts > 0 && known !== undefined && !known.verified && !verified.has(known);
          row.session_verified = first ? 1 : 0;
          if (first) verified.add(known);
        }
      }
    }
    return { started, verified };
  }

  return {
    rememberSend,
    attach,
    countSessions,
    markStored(kind, counted) {
      // Only once stored: a flush that fails leaves its sessions uncounted, so the retry counts them.
      if (kind === 'send') for (const known of counted.started) known.started = true;
      if (kind === 'verify') for (const known of counted.verified) known.verified = true;
    },
    async warm(sinceMs) {
      for await (const sends of recentSessionSends(store, sinceMs, deps.maxEntries))
        for (const send of sends) rememberSend(send, send.send_ts, true);
      for await (const keys of recentVerifiedSessions(store, sinceMs)) {
        for (const [app, sessionId] of keys) {
          const known = bySession.get(sessionKey(app, sessionId));
          if (known) known.verified = true;
        }
      }
    },
  };
}

function sessionKey(app: string, sessionId: string): string {
  return `${app}\u0000${sessionId}`;
}

/** A bill's event id is the provider's message id; a receipt names it. */
function messageIdOf(kind: EventKind, row: RowsByKind['billing' | 'receipt']): string {
  return kind === 'billing' ? row.event_id : (row as RowsByKind['receipt']).message_id;
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
