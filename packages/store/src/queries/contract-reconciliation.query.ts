import type { Store } from '../store.ts';

/** One provider, country and calendar month (UTC) of sends: estimated, priced by contract, billed. */
export interface ContractMonthRow {
  /** Epoch ms of the month's first instant. */
  month: number;
  provider: string;
  country: string;
  /** Sends the provider accepted (failed sends are not billed). */
  sends: number;
  /** The services' own estimate at send time. */
  estimated_usd: number;
  /** Accepted sends priced with the rate card in force at their hour; 0 for sends with no card. */
  contract_usd: number;
  /** Accepted sends no rate card covered (before the first card of their route, or no card at all). */
  unpriced_sends: number;
  /** Bills of the month's sends, whenever they arrived: the rollup counts a bill in its send's minute. */
  billed_usd: number;
  billed_messages: number;
}

/**
 * Billing reconciliation per contract: each month's sends per provider and country, with the
 * services' estimate, the rate card's price and what was billed. Bills are counted in the minute
 * of the send they belong to (ingest attaches them by message id), so a bill that arrives days
 * into the next month is reconciled with the month it was sent in. The card in force at each hour
 * of sends prices it (ASOF join on effective_from). Query name: contract_reconciliation.
 */
export async function contractReconciliation(store: Store, params: { fromMs: number; toMs: number }): Promise<ContractMonthRow[]> {
  const rs = await store.client.query({
    query: `SELECT toUnixTimestamp(toStartOfMonth(t.hour)) * 1000 AS month, t.provider AS provider, t.country AS country,
                   toUInt64(sum(t.accepted)) AS sends, sum(t.estimated) AS estimated_usd,
                   sum(t.accepted * r.price_usd) AS contract_usd,
                   toUInt64(sumIf(t.accepted, r.provider = '')) AS unpriced_sends,
                   sum(t.billed) AS billed_usd, toUInt64(sum(t.billed_messages)) AS billed_messages
            FROM (
              SELECT toStartOfHour(minute) AS hour, provider, country, sum(sends) - sum(failed_sends) AS accepted,
                     sum(cost_est_usd) AS estimated, sum(cost_billed_usd) AS billed, sum(billed_messages) AS billed_messages
              FROM traffic_1m
              WHERE minute >= toStartOfMonth(fromUnixTimestamp64Milli({from:Int64})) AND minute < fromUnixTimestamp64Milli({to:Int64})
              GROUP BY hour, provider, country
            ) AS t
            ASOF LEFT JOIN (SELECT provider, country, effective_from, price_usd FROM rate_cards FINAL) AS r
              ON t.provider = r.provider AND t.country = r.country AND t.hour >= r.effective_from
            GROUP BY month, provider, country
            ORDER BY month, provider, country`,
    query_params: { from: params.fromMs, to: params.toMs },
    format: 'JSONEachRow',
  });
  return (await rs.json<ContractMonthRow>()).map((row) => ({
    ...row,
    month: Number(row.month),
    sends: Number(row.sends),
    unpriced_sends: Number(row.unpriced_sends),
    billed_messages: Number(row.billed_messages),
  }));
}
