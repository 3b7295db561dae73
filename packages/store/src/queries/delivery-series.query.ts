import type { Store } from '../store.ts';

export const DELIVERY_DIMENSIONS = ['country', 'provider', 'carrier', 'app'] as const;
export type DeliveryDimension = (typeof DELIVERY_DIMENSIONS)[number];
export type DeliveryFilters = Partial<Record<DeliveryDimension, string>>;

export interface DeliveryPoint {
  ts: number;
  key: string;
  /** Receipts in a final state; the shares below are of these. */
  receipts: number;
  delivered: number;
  undelivered: number;
  failed: number;
  unknown: number;
  /** Send to delivered receipt, over delivered messages with a known send time; null without any. */
  p50_ms: number | null;
  p90_ms: number | null;
  p99_ms: number | null;
}

export interface DeliveryError {
  provider: string;
  country: string;
  error_code: string;
  receipts: number;
  /** Share of the final receipts of its provider and country in the range. */
  share: number;
}

// Every filter is bound; an empty value means "any".
const WHERE = `
  minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64}))
  AND minute < fromUnixTimestamp64Milli({to:Int64})
  AND ({country:String} = '' OR country = {country:String})
  AND ({provider:String} = '' OR provider = {provider:String})
  AND ({carrier:String} = '' OR carrier = {carrier:String})
  AND ({app:String} = '' OR app = {app:String})`;

const MEASURES = `
  toUInt64(sum(receipts)) AS receipts,
  toUInt64(sum(delivered)) AS delivered,
  toUInt64(sum(undelivered)) AS undelivered,
  toUInt64(sum(failed)) AS failed,
  toUInt64(sum(unknown)) AS unknown,
  quantilesTDigestMerge(0.5, 0.9, 0.99)(latency_ms) AS q`;

/**
 * Delivery success and latency per time bucket (and per group when asked), from the delivery
 * rollup: t-digest states merged across the bucket, so an hour's P90 is the P90 of the hour's
 * messages, not an average of minutes'. Query name: delivery_series.
 */
export async function deliverySeries(
  store: Store,
  params: { fromMs: number; toMs: number; intervalMinutes: number; groupBy?: DeliveryDimension; limit: number; filters: DeliveryFilters },
): Promise<DeliveryPoint[]> {
  const key = params.groupBy ? 'toString({dim:Identifier})' : "''";
  const groups = params.groupBy
    ? `AND toString({dim:Identifier}) IN (SELECT toString({dim:Identifier}) FROM delivery_1m WHERE ${WHERE}
         GROUP BY toString({dim:Identifier}) ORDER BY sum(receipts) DESC, toString({dim:Identifier}) LIMIT {limit:UInt32})`
    : '';
  const rs = await store.client.query({
    query: `SELECT ts, key, receipts, delivered, undelivered, failed, unknown,
                   if(isNaN(q[1]), NULL, round(q[1])) AS p50_ms, if(isNaN(q[2]), NULL, round(q[2])) AS p90_ms, if(isNaN(q[3]), NULL, round(q[3])) AS p99_ms
            FROM (
              SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalMinute({step:UInt32}))) * 1000 AS ts, ${key} AS key, ${MEASURES}
              FROM delivery_1m WHERE ${WHERE} ${groups}
              GROUP BY ts, key
            )
            ORDER BY ts, key`,
    query_params: {
      from: params.fromMs,
      to: params.toMs,
      step: params.intervalMinutes,
      limit: params.limit,
      dim: params.groupBy ?? 'country',
      country: params.filters.country ?? '',
      provider: params.filters.provider ?? '',
      carrier: params.filters.carrier ?? '',
      app: params.filters.app ?? '',
    },
    format: 'JSONEachRow',
  });
  return rs.json<DeliveryPoint>();
}

/**
 * Provider error codes of undelivered and failed receipts in the range, most frequent first, with
 * their share of their provider and country's final receipts: what the vendor owner takes to the
 * provider. Read from the raw receipts (kept 90 days). Query name: delivery_errors.
 */
export async function deliveryErrors(
  store: Store,
  params: { fromMs: number; toMs: number; limit: number; filters: Omit<DeliveryFilters, 'carrier' | 'app'> },
): Promise<DeliveryError[]> {
  const rs = await store.client.query({
    query: `SELECT provider, country, error_code, toUInt64(count()) AS receipts,
                   round(count() / max(finals), 6) AS share
            FROM receipts_raw
            INNER JOIN (
              SELECT provider, country, count() AS finals FROM receipts_raw
              WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
                AND status IN ('delivered', 'undelivered', 'failed', 'unknown')
              GROUP BY provider, country
            ) AS totals USING (provider, country)
            WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
              AND status IN ('undelivered', 'failed') AND error_code != ''
              AND ({country:String} = '' OR country = {country:String})
              AND ({provider:String} = '' OR provider = {provider:String})
            GROUP BY provider, country, error_code
            ORDER BY receipts DESC, provider, country, error_code
            LIMIT {limit:UInt32}`,
    query_params: {
      from: params.fromMs,
      to: params.toMs,
      limit: params.limit,
      country: params.filters.country ?? '',
      provider: params.filters.provider ?? '',
    },
    format: 'JSONEachRow',
  });
  return rs.json<DeliveryError>();
}
