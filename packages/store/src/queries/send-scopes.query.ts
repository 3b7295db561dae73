import type { SendScope } from '@tollgate/events';
import type { Store } from '../store.ts';

export interface ScopedSend extends SendScope {
  session_id: string;
  message_id: string;
}

const SCOPE_COLUMNS = `toUnixTimestamp64Milli(ts) AS send_ts, app, flow, country, prefix, asn, provider, session_id, message_id`;

/**
 * The sends of the given sessions since `sinceMs` (first send per session). Used when a verify
 * arrives for a session the in-memory index no longer holds, typically after a restart.
 */
export async function sendScopesBySession(store: Store, app: string, sessionIds: string[], sinceMs: number): Promise<ScopedSend[]> {
  if (sessionIds.length === 0) return [];
  const rs = await store.client.query({
    query: `SELECT ${SCOPE_COLUMNS} FROM sends_raw
            WHERE app = {app:String} AND session_id IN {ids:Array(String)}
              AND ts >= fromUnixTimestamp64Milli({since:Int64})
            ORDER BY ts
            LIMIT 1 BY session_id`,
    query_params: { app, ids: sessionIds, since: sinceMs },
    format: 'JSONEachRow',
  });
  return rs.json<ScopedSend>();
}

/** The sends with the given provider message ids since `sinceMs`: attributes late bills and receipts. */
export async function sendScopesByMessage(store: Store, messageIds: string[], sinceMs: number): Promise<ScopedSend[]> {
  if (messageIds.length === 0) return [];
  const rs = await store.client.query({
    query: `SELECT ${SCOPE_COLUMNS} FROM sends_raw
            WHERE message_id IN {ids:Array(String)} AND ts >= fromUnixTimestamp64Milli({since:Int64})
            LIMIT 1 BY message_id`,
    query_params: { ids: messageIds, since: sinceMs },
    format: 'JSONEachRow',
  });
  return rs.json<ScopedSend>();
}

/**
 * The first send of each session with a send ingested since `sinceMs`, oldest first, at most
 * `limit`: after a restart they tell a resend from a new session, and attribute verifies, bills
 * and receipts without a store query each.
 */
export async function* recentSessionSends(store: Store, sinceMs: number, limit: number): AsyncGenerator<ScopedSend[]> {
  const rs = await store.client.query({
    query: `SELECT ${SCOPE_COLUMNS} FROM sends_raw
            WHERE ingested_at >= fromUnixTimestamp64Milli({since:Int64})
            ORDER BY ts
            LIMIT 1 BY app, session_id
            LIMIT {limit:UInt64}`,
    query_params: { since: sinceMs, limit },
    format: 'JSONEachRow',
  });
  for await (const rows of rs.stream<ScopedSend>()) yield rows.map((row) => row.json());
}

/** Sessions (app, session id) counted as verified by verifies ingested since `sinceMs`. */
export async function* recentVerifiedSessions(store: Store, sinceMs: number): AsyncGenerator<[string, string][]> {
  const rs = await store.client.query({
    query: `SELECT DISTINCT app, session_id FROM verifies_raw
            WHERE ingested_at >= fromUnixTimestamp64Milli({since:Int64}) AND session_verified = 1`,
    query_params: { since: sinceMs },
    format: 'JSONCompactEachRow',
  });
  for await (const rows of rs.stream<[string, string]>()) yield rows.map((row) => row.json());
}
