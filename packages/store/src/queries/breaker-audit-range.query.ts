import type { Store } from '../store.ts';
import type { BreakerAuditEntry } from './breakers.query.ts';

export const BREAKER_AUDIT_BEFORE_QUERY_NAME = 'breaker-audit-before';

/**
 * Every breaker's audit entries before `toMs`, oldest first: the breakers' states over time, for
 * replays. In WHERE, `ts` is the epoch-ms alias of the SELECT (ClickHouse resolves aliases
 * first), hence the Int64 comparison.
 */
export async function breakerAuditBefore(store: Store, toMs: number): Promise<BreakerAuditEntry[]> {
  const rs = await store.client.query({
    query: `SELECT toUnixTimestamp64Milli(ts) AS ts, breaker_id, version, event, from_state, to_state, actor, detail
            FROM breaker_audit WHERE ts < {to:Int64} ORDER BY ts, breaker_id, version`,
    query_params: { to: toMs },
    format: 'JSONEachRow',
  });
  return rs.json<BreakerAuditEntry>();
}
