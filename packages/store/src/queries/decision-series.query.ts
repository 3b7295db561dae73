import type { Store } from '../store.ts';

export interface DecisionPoint {
  ts: number;
  allowed: number;
  challenged: number;
  blocked: number;
  shadow_blocked: number;
  /** Blocked decisions priced at the average cost of a send of the same scope that hour (USD). */
  saved_usd: number;
}

/**
 * `prices`: what a send to each prefix cost on average in each hour of [from - 1 day, to), from the
 * traffic rollup. A refused send is priced with it: the price of an SMS depends on its destination,
 * and a decision is made before the provider is chosen. The day before `from` is there because a
 * breaker that holds a prefix shut leaves it no sends of its own: its refusals are priced at the
 * prefix's latest priced hour (`PRICE_OF_REFUSED`). Binds {from:Int64} and {to:Int64}.
 */
export const SEND_PRICES = `prices AS (
        SELECT toStartOfHour(minute) AS hour, prefix, sum(cost_est_usd) / greatest(sum(sends), 1) AS cost_per_send
        FROM traffic_1m
        WHERE minute >= toStartOfHour(fromUnixTimestamp64Milli({from:Int64})) - INTERVAL 1 DAY
          AND minute < fromUnixTimestamp64Milli({to:Int64}) AND sends > 0
        GROUP BY hour, prefix
      )`;

/**
 * Joins `prices` (as `p`) to the decisions rollup `table`: each minute's refusals take the price of
 * the latest hour, up to their own, in which the prefix had a send. A prefix with none in the day
 * before counts 0.
 */
export const PRICE_OF_REFUSED = (table: string) =>
  `ASOF LEFT JOIN prices AS p ON p.prefix = ${table}.prefix AND p.hour <= toStartOfHour(${table}.minute)`;

/**
 * Decisions per time bucket with an estimate of the money breakers and limits saved: every blocked
 * send priced at what a send to the same prefix cost on average in the same hour, or in the latest
 * hour of the day before that had one (from the traffic rollup). The price of an SMS depends on its
 * destination, and a decision is made before the provider is chosen, so the prefix is the key.
 */
export async function decisionSeries(
  store: Store,
  params: { fromMs: number; toMs: number; intervalMinutes: number; app?: string },
): Promise<DecisionPoint[]> {
  const rs = await store.client.query({
    query: `
      WITH ${SEND_PRICES}
      SELECT toUnixTimestamp(toStartOfInterval(d.minute, toIntervalMinute({step:UInt32}))) * 1000 AS ts,
             toUInt64(sum(d.allowed)) AS allowed,
             toUInt64(sum(d.challenged)) AS challenged,
             toUInt64(sum(d.blocked)) AS blocked,
             toUInt64(sum(d.shadow_blocked)) AS shadow_blocked,
             round(sum(d.blocked * p.cost_per_send), 6) AS saved_usd
      FROM decisions_1m AS d
      ${PRICE_OF_REFUSED('d')}
      WHERE d.minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64})) AND d.minute < fromUnixTimestamp64Milli({to:Int64})
        AND ({app:String} = '' OR d.app = {app:String})
      GROUP BY ts
      ORDER BY ts`,
    query_params: { from: params.fromMs, to: params.toMs, step: params.intervalMinutes, app: params.app ?? '' },
    format: 'JSONEachRow',
  });
  return rs.json<DecisionPoint>();
}
