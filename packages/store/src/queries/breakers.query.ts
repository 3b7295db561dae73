import type { Store } from '../store.ts';

/** A breaker as stored: the model's JSON document plus the columns queries filter on. */
export interface StoredBreaker {
  id: string;
  version: number;
  state: string;
  updated_at: number;
  doc: string;
}

export interface BreakerAuditEntry {
  ts: number;
  breaker_id: string;
  version: number;
  event: string;
  from_state: string;
  to_state: string;
  actor: string;
  detail: string;
}

/** Writes a breaker version and its audit entry; the audit log is append-only. */
export async function saveBreaker(store: Store, breaker: StoredBreaker, audit: BreakerAuditEntry): Promise<void> {
  await store.client.insert({ table: 'breakers', values: [breaker], format: 'JSONEachRow' });
  await store.client.insert({ table: 'breaker_audit', values: [audit], format: 'JSONEachRow' });
}

/**
 * Breakers changed since `sinceMs` at their latest version (0 loads all): keeps decision nodes in
 * sync. In WHERE, `updated_at` is the epoch-ms alias of the SELECT (ClickHouse resolves aliases
 * first), hence the Int64 comparison.
 */
export async function breakersChangedSince(store: Store, sinceMs: number): Promise<StoredBreaker[]> {
  const rs = await store.client.query({
    query: `SELECT id, version, state, toUnixTimestamp64Milli(updated_at) AS updated_at, doc
            FROM breakers FINAL
            WHERE updated_at >= {since:Int64}
            ORDER BY updated_at`,
    query_params: { since: sinceMs },
    format: 'JSONEachRow',
  });
  return rs.json<StoredBreaker>();
}

/** The audit log of one breaker, oldest first. */
export async function breakerAudit(store: Store, breakerId: string): Promise<BreakerAuditEntry[]> {
  const rs = await store.client.query({
    query: `SELECT toUnixTimestamp64Milli(ts) AS ts, breaker_id, version, event, from_state, to_state, actor, detail
            FROM breaker_audit WHERE breaker_id = {id:String} ORDER BY ts, version`,
    query_params: { id: breakerId },
    format: 'JSONEachRow',
  });
  return rs.json<BreakerAuditEntry>();
}
