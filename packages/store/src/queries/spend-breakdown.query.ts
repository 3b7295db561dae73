import type { Store } from '../store.ts';

/** Spend of one provider, country and app over a range: the cells finance's views add up. */
export interface SpendCell {
  provider: string;
  country: string;
  app: string;
  sends: number;
  /** Estimated from the providers' price lists at send time. */
  estimated_usd: number;
  /** What the providers billed (arrives later; billed_messages says how much of the traffic is billed yet). */
  billed_usd: number;
  billed_messages: number;
}

/**
 * Spend between two instants per provider, country and app, in one read of the rollup: the daily
 * digest and the spend page group these cells by whichever dimension they show. Sums only, no
 * distinct counts, so a month reads quickly. Query name: spend_cells.
 */
export async function spendCells(store: Store, params: { fromMs: number; toMs: number }): Promise<SpendCell[]> {
  const rs = await store.client.query({
    query: `SELECT provider, country, app, toUInt64(sum(sends)) AS sends, sum(cost_est_usd) AS estimated_usd,
                   sum(cost_billed_usd) AS billed_usd, toUInt64(sum(billed_messages)) AS billed_messages
            FROM traffic_1m
            WHERE minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64})) AND minute < fromUnixTimestamp64Milli({to:Int64})
            GROUP BY provider, country, app`,
    query_params: { from: params.fromMs, to: params.toMs },
    format: 'JSONEachRow',
  });
  return (await rs.json<SpendCell>()).map((cell) => ({ ...cell, sends: Number(cell.sends), billed_messages: Number(cell.billed_messages) }));
}
