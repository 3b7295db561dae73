import type { Store } from '../store.ts';

/**
 * Latency histograms: buckets of send-to-delivered time spaced by a factor of 2^(1/8) (about 9 %),
 * so a quantile read from a histogram is within about 4.5 % of the true value, and histograms of
 * minutes add up to hours and windows exactly (a P90 of P90s would not).
 */
export const LATENCY_BUCKETS_PER_DOUBLING = 8;

/** The latency a bucket stands for: the geometric middle of its bounds. */
export function latencyOfBucketMs(bucket: number): number {
  return 2 ** ((bucket + 0.5) / LATENCY_BUCKETS_PER_DOUBLING);
}

/** The smallest latency a bucket holds. */
export function latencyBucketFloorMs(bucket: number): number {
  return 2 ** (bucket / LATENCY_BUCKETS_PER_DOUBLING);
}

/** Delivered messages of one provider, country and carrier sent in one minute, by latency bucket. */
export interface DeliveryLatencyMinute {
  /** The send's minute: a message's delivery belongs to the minute it was sent, like the rollups. */
  ts: number;
  provider: string;
  country: string;
  /**
   * Mobile network code of the receipt, '' without one. Unlike delivery_1m, the number's prefix does
   * not stand in for it: a country has a handful of networks but hundreds of prefixes, and grouping
   * by them would multiply the rows every detection cycle reads by as much.
   */
  carrier: string;
  buckets: number[];
  counts: number[];
}

/** One provider and country over one hour, from the delivery rollup's t-digest states. */
export interface DeliveryLatencyHour {
  ts: number;
  provider: string;
  country: string;
  delivered: number;
  p90_ms: number;
}

export const DELIVERY_LATENCY_MINUTES_QUERY_NAME = 'delivery-latency-minutes';
export const DELIVERY_LATENCY_HOURS_QUERY_NAME = 'delivery-latency-hours';

// Receipts of messages sent in the range arrive after their send, so `ts >= from` only prunes
// partitions (receipts_raw is partitioned by the receipt's day). Only delivered receipts with a
// known send time measure latency, as in delivery_1m.
const MINUTES_QUERY = `
SELECT t AS ts, provider, country, carrier, hist.1 AS buckets, hist.2 AS counts
FROM (
  SELECT toUnixTimestamp(toStartOfMinute(send_ts)) * 1000 AS t, provider, country,
         mcc_mnc AS carrier,
         sumMap([toUInt16(floor(log2(greatest(toFloat64(toUnixTimestamp64Milli(ts) - toUnixTimestamp64Milli(send_ts)), 1)) * {per_doubling:UInt8}))], [toUInt32(1)]) AS hist
  FROM receipts_raw
  WHERE ts >= fromUnixTimestamp64Milli({from:Int64})
    AND send_ts >= fromUnixTimestamp64Milli({from:Int64}) AND send_ts < fromUnixTimestamp64Milli({to:Int64})
    AND status = 'delivered' AND toUnixTimestamp64Milli(send_ts) > 0 AND ts >= send_ts
  GROUP BY t, provider, country, carrier
)
ORDER BY ts`;

// The hour's P90 merges the minutes' t-digest states: the P90 of the hour's messages.
const HOURS_QUERY = `
SELECT t AS ts, provider, country, delivered, round(q[2]) AS p90_ms
FROM (
  SELECT toUnixTimestamp(toStartOfHour(minute)) * 1000 AS t, provider, country,
         toUInt32(sum(delivered)) AS delivered, quantilesTDigestMerge(0.5, 0.9, 0.99)(latency_ms) AS q
  FROM delivery_1m
  WHERE minute >= fromUnixTimestamp64Milli({from:Int64}) AND minute < fromUnixTimestamp64Milli({to:Int64})
  GROUP BY t, provider, country
)
WHERE delivered > 0 AND NOT isNaN(q[2])
ORDER BY ts`;

/** Latency histograms per send minute, provider, country and carrier in [fromMs, toMs): the detector's recent minutes. */
export async function deliveryLatencyMinutes(store: Store, params: { fromMs: number; toMs: number }): Promise<DeliveryLatencyMinute[]> {
  const rs = await store.client.query({
    query: MINUTES_QUERY,
    query_params: { from: params.fromMs, to: params.toMs, per_doubling: LATENCY_BUCKETS_PER_DOUBLING },
    // One document parsed at once: a replay reads thousands of rows a chunk, and JSONEachRow's
    // text and parse per row cost it more on the event loop than the same rows parsed whole.
    format: 'JSON',
  });
  return (await rs.json<DeliveryLatencyMinute>()).data;
}

/** Delivered messages and their P90 latency per hour, provider and country in [fromMs, toMs): the detector's baselines. */
export async function deliveryLatencyHours(store: Store, params: { fromMs: number; toMs: number }): Promise<DeliveryLatencyHour[]> {
  const rs = await store.client.query({
    query: HOURS_QUERY,
    query_params: { from: params.fromMs, to: params.toMs },
    format: 'JSON',
  });
  return (await rs.json<DeliveryLatencyHour>()).data;
}
