import type { Store } from '../store.ts';

export const SPEND_DIMENSIONS = ['country', 'provider', 'app', 'provider_country'] as const;
export type SpendDimension = (typeof SPEND_DIMENSIONS)[number];

export interface SpendRow {
  /** The dimension's value; for provider_country "provider country" (e.g. "twilio ID"). */
  key: string;
  sends: number;
  /** Estimated from the providers' price lists at send time. */
  estimated_usd: number;
  /** What the providers billed (arrives later; billed_messages says how much of the traffic is billed yet). */
  billed_usd: number;
  billed_messages: number;
}

const KEY: Record<SpendDimension, string> = {
  country: 'country',
  provider: 'provider',
  app: 'app',
  provider_country: "concat(provider, ' ', country)",
};

/**
 * Spend between two instants by one dimension, most expensive first: what finance reads (the daily
 * digest, the spend page). Sums only, no distinct counts, so a month reads quickly. The key
 * expression is picked from a fixed table, never from input. Query name: spend_breakdown.
 */
export async function spendBreakdown(store: Store, params: { fromMs: number; toMs: number; by: SpendDimension; limit: number }): Promise<SpendRow[]> {
  const rs = await store.client.query({
    query: `SELECT ${KEY[params.by]} AS key, toUInt64(sum(sends)) AS sends, round(sum(cost_est_usd), 6) AS estimated_usd,
                   round(sum(cost_billed_usd), 6) AS billed_usd, toUInt64(sum(billed_messages)) AS billed_messages
            FROM traffic_1m
            WHERE minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64})) AND minute < fromUnixTimestamp64Milli({to:Int64})
            GROUP BY key
            ORDER BY estimated_usd DESC, key
            LIMIT {limit:UInt32}`,
    query_params: { from: params.fromMs, to: params.toMs, limit: params.limit },
    format: 'JSONEachRow',
  });
  return rs.json<SpendRow>();
}
