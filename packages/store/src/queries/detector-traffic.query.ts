import type { Store } from '../store.ts';

/** One scope's counters for one time bucket, finalized from the rollup's states. */
export interface ScopeCounters {
  sends: number;
  failed_sends: number;
  sessions: number;
  verified_sessions: number;
  verify_attempts: number;
  verify_failures: number;
  cost_est_usd: number;
  cost_billed_usd: number;
  billed_messages: number;
  receipts_delivered: number;
  receipts_failed: number;
}

/** A bucket of traffic at a scope: the dimensions a grouping dropped are '' (asn 0). */
export interface DetectorTrafficRow extends ScopeCounters {
  ts: number;
  app: string;
  flow: string;
  country: string;
  prefix: string;
  asn: number;
  provider: string;
}

/** Which rollup dimensions a grouping keeps; the others are folded together. */
export interface DetectorGrouping {
  app: boolean;
  flow: boolean;
  country: boolean;
  prefix: boolean;
  asn: boolean;
  provider: boolean;
}

export const DETECTOR_TRAFFIC_QUERY_NAME = 'detector-traffic';

// A session counts once, in the minute and scope of its first send (migration 015), so the detector
// may add the counts of fine scopes to get a coarser one.
const QUERY = `
SELECT
  toUnixTimestamp(toStartOfInterval(minute, toIntervalMinute({step:UInt32}))) * 1000 AS ts,
  if({g_app:UInt8}, app, '') AS app_k,
  if({g_flow:UInt8}, flow, '') AS flow_k,
  if({g_country:UInt8}, country, '') AS country_k,
  if({g_prefix:UInt8}, prefix, '') AS prefix_k,
  if({g_asn:UInt8}, asn, toUInt32(0)) AS asn_k,
  if({g_provider:UInt8}, provider, '') AS provider_k,
  toUInt64(sum(sends)) AS sends,
  toUInt64(sum(failed_sends)) AS failed_sends,
  toUInt64(sum(sessions_started)) AS sessions,
  toUInt64(sum(sessions_verified)) AS verified_sessions,
  toUInt64(sum(verify_attempts)) AS verify_attempts,
  toUInt64(sum(verify_failures)) AS verify_failures,
  sum(cost_est_usd) AS cost_est_usd,
  sum(cost_billed_usd) AS cost_billed_usd,
  toUInt64(sum(billed_messages)) AS billed_messages,
  toUInt64(sum(receipts_delivered)) AS receipts_delivered,
  toUInt64(sum(receipts_failed)) AS receipts_failed
FROM traffic_1m
WHERE minute >= fromUnixTimestamp64Milli({from:Int64}) AND minute < fromUnixTimestamp64Milli({to:Int64})
GROUP BY ts, app_k, flow_k, country_k, prefix_k, asn_k, provider_k
ORDER BY ts`;

/** A row of the query as JSONCompact gives it: the columns in the order selected. */
type RawRow = [
  ts: number,
  app: string,
  flow: string,
  country: string,
  prefix: string,
  asn: number,
  provider: string,
  sends: number,
  failedSends: number,
  sessions: number,
  verifiedSessions: number,
  verifyAttempts: number,
  verifyFailures: number,
  costEstUsd: number,
  costBilledUsd: number,
  billedMessages: number,
  receiptsDelivered: number,
  receiptsFailed: number,
];

/**
 * Traffic per bucket of `stepMinutes` in [fromMs, toMs) at one grouping: minutes at the finest
 * grouping feed the detector's recent window, hours per scope level warm its baselines.
 */
export async function detectorTraffic(
  store: Store,
  params: { fromMs: number; toMs: number; stepMinutes: number; grouping: DetectorGrouping },
): Promise<DetectorTrafficRow[]> {
  const g = params.grouping;
  // JSONCompact, parsed whole: a replay reads a row per scope and minute, and JSONEachRow's text,
  // object and parse per row were most of the time its reads took on the event loop.
  const rs = await store.client.query({
    query: QUERY,
    query_params: {
      from: params.fromMs,
      to: params.toMs,
      step: params.stepMinutes,
      g_app: Number(g.app),
      g_flow: Number(g.flow),
      g_country: Number(g.country),
      g_prefix: Number(g.prefix),
      g_asn: Number(g.asn),
      g_provider: Number(g.provider),
    },
    format: 'JSONCompact',
  });
  const { data } = await rs.json<RawRow>();
  // Field by field rather than rest and spread: the spread copies were the most garbage of a replay.
  return data.map((row) => ({
    ts: row[0],
    sends: row[7],
    failed_sends: row[8],
    sessions: row[9],
    verified_sessions: row[10],
    verify_attempts: row[11],
    verify_failures: row[12],
    cost_est_usd: row[13],
    cost_billed_usd: row[14],
    billed_messages: row[15],
    receipts_delivered: row[16],
    receipts_failed: row[17],
    app: row[1],
    flow: row[2],
    country: row[3],
    prefix: row[4],
    asn: row[5],
    provider: row[6],
  }));
}
