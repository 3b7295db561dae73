import type { Store } from '../store.ts';
import type { ScopeCounters } from './detector-traffic.query.ts';

export const TRAFFIC_DIMENSIONS = ['country', 'prefix', 'asn', 'provider', 'app', 'flow'] as const;
export type TrafficDimension = (typeof TRAFFIC_DIMENSIONS)[number];

export type TrafficFilters = Partial<Record<TrafficDimension, string>>;

export interface TrafficSeriesParams {
  fromMs: number;
  toMs: number;
  intervalMinutes: number;
  groupBy?: TrafficDimension;
  /** At most this many groups (the largest by sends in the range). */
  limit: number;
  filters: TrafficFilters;
}

export interface TrafficPoint extends ScopeCounters {
  ts: number;
  key: string;
  phones: number;
}

export const TRAFFIC_SERIES_QUERY_NAME = 'traffic-series';

// Every filter is bound; an empty value means "any". asn is compared as text so one binding type serves all.
const WHERE = `
  minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64}))
  AND minute < fromUnixTimestamp64Milli({to:Int64})
  AND ({app:String} = '' OR app = {app:String})
  AND ({flow:String} = '' OR flow = {flow:String})
  AND ({country:String} = '' OR country = {country:String})
  AND ({prefix:String} = '' OR prefix = {prefix:String})
  AND ({asn:String} = '' OR toString(asn) = {asn:String})
  AND ({provider:String} = '' OR provider = {provider:String})`;

const MEASURES = `
  toUInt64(sum(sends)) AS sends,
  toUInt64(sum(failed_sends)) AS failed_sends,
  toUInt64(uniqMerge(phones)) AS phones,
  toUInt64(uniqMerge(sessions)) AS sessions,
  toUInt64(uniqMerge(verified_sessions)) AS verified_sessions,
  toUInt64(sum(verify_attempts)) AS verify_attempts,
  toUInt64(sum(verify_failures)) AS verify_failures,
  round(sum(cost_est_usd), 6) AS cost_est_usd,
  round(sum(cost_billed_usd), 6) AS cost_billed_usd,
  toUInt64(sum(billed_messages)) AS billed_messages,
  toUInt64(sum(receipts_delivered)) AS receipts_delivered,
  toUInt64(sum(receipts_failed)) AS receipts_failed`;

const BUCKET = `toUnixTimestamp(toStartOfInterval(minute, toIntervalMinute({step:UInt32}))) * 1000 AS ts`;

const UNGROUPED = `
SELECT ${BUCKET}, '' AS key, ${MEASURES}
FROM traffic_1m
WHERE ${WHERE}
GROUP BY ts
ORDER BY ts`;

const GROUPED = `
SELECT ${BUCKET}, toString({dim:Identifier}) AS key, ${MEASURES}
FROM traffic_1m
WHERE ${WHERE}
  AND toString({dim:Identifier}) IN (
    SELECT toString({dim:Identifier}) FROM traffic_1m WHERE ${WHERE}
    GROUP BY toString({dim:Identifier}) ORDER BY sum(sends) DESC, toString({dim:Identifier}) LIMIT {limit:UInt32})
GROUP BY ts, key
ORDER BY ts, key`;

/** Traffic per time bucket (and per group when asked), read from the per-minute rollup. */
export async function trafficSeries(store: Store, params: TrafficSeriesParams): Promise<TrafficPoint[]> {
  const rs = await store.client.query({
    query: params.groupBy ? GROUPED : UNGROUPED,
    query_params: {
      from: params.fromMs,
      to: params.toMs,
      step: params.intervalMinutes,
      limit: params.limit,
      dim: params.groupBy ?? 'app',
      app: params.filters.app ?? '',
      flow: params.filters.flow ?? '',
      country: params.filters.country ?? '',
      prefix: params.filters.prefix ?? '',
      asn: params.filters.asn ?? '',
      provider: params.filters.provider ?? '',
    },
    format: 'JSONEachRow',
  });
  return rs.json<TrafficPoint>();
}
