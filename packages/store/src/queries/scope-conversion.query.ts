import type { Store } from '../store.ts';

/** Which scope a conversion row describes. */
export type ConversionDimension = 'asn' | 'prefix';

/** One ASN's or destination prefix's sessions and verified sessions, recently and over its baseline, and its price. */
export interface ScopeConversionRow {
  dimension: ConversionDimension;
  /** The AS number as text, or the prefix ("+44 740"). */
  key: string;
  recent_sessions: number;
  recent_verified: number;
  baseline_sessions: number;
  baseline_verified: number;
  /** Estimated cost per send over the whole range, USD. */
  price_usd: number;
}

export const SCOPE_CONVERSION_QUERY_NAME = 'scope-conversion';

// One arm per dimension over the per-minute rollup, summed with -If so one read splits the range
// into the recent window and the baseline before it. Only scopes with
// recent sessions come back: the risk score has nothing to say about a scope that is not sending.
const arm = (dimension: ConversionDimension, column: string, keyExpression: string): string => `
SELECT '${dimension}' AS dimension, ${keyExpression} AS key,
       toUInt64(sumIf(sessions_started, minute >= fromUnixTimestamp64Milli({recent_from:Int64}))) AS recent_sessions,
       toUInt64(sumIf(sessions_verified, minute >= fromUnixTimestamp64Milli({recent_from:Int64}))) AS recent_verified,
       toUInt64(sumIf(sessions_started, minute < fromUnixTimestamp64Milli({recent_from:Int64}))) AS baseline_sessions,
       toUInt64(sumIf(sessions_verified, minute < fromUnixTimestamp64Milli({recent_from:Int64}))) AS baseline_verified,
       sum(cost_est_usd) / greatest(1, sum(sends)) AS price_usd
FROM traffic_1m
WHERE minute >= fromUnixTimestamp64Milli({from:Int64}) AND minute < fromUnixTimestamp64Milli({to:Int64}) AND ${column}
GROUP BY ${keyExpression}
HAVING recent_sessions > 0`;

const QUERY = `${arm('asn', 'asn != 0', 'toString(asn)')} UNION ALL ${arm('prefix', "prefix != ''", 'prefix')}`;

/**
 * Conversion of every ASN and prefix that sent in [recentFromMs, toMs), against [fromMs,
 * recentFromMs). `toMs` should trail now by the time sessions take to verify, or the recent
 * window's newest sessions count as failures.
 */
export async function scopeConversion(
  store: Store,
  params: { fromMs: number; recentFromMs: number; toMs: number },
): Promise<ScopeConversionRow[]> {
  const rs = await store.client.query({
    query: QUERY,
    query_params: { from: params.fromMs, recent_from: params.recentFromMs, to: params.toMs },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<ScopeConversionRow>();
  return rows.map((row) => ({
    ...row,
    recent_sessions: Number(row.recent_sessions),
    recent_verified: Number(row.recent_verified),
    baseline_sessions: Number(row.baseline_sessions),
    baseline_verified: Number(row.baseline_verified),
  }));
}
