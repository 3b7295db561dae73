import type { Store } from '../store.ts';

/**
 * Sessions started from hosting networks in one minute, by app, destination, network and client
 * address: which servers a pumped prefix's sessions came from, and which addresses people on a
 * VPN verify from. Hosting sends are a few in a hundred of all traffic.
 */
export interface HostingSessionAddressRow {
  ts: number;
  app: string;
  country: string;
  prefix: string;
  asn: number;
  ip: string;
  sessions: number;
  /** Sessions with a successful verify. */
  verified: number;
  /** Sessions nobody typed a code for (no verify at all, right or wrong). */
  untyped: number;
}

export const HOSTING_SESSION_ADDRESSES_QUERY_NAME = 'hosting-session-addresses';

// A session counts in the minute of its first send, as in the rollup (migration 015). Its verifies
// are those that arrived before `verifiesTo`: a live cycle reads them all, a replay's chunk those
// that arrived by the time the live detector stops re-reading a minute. The sends of the range are
// read twice (the verifies are looked up by their sessions only), a few hundred rows a minute at most.
/** The minute rows, in no order: `hosting-address-verified-hours.query.ts` sums them by hour. */
export const HOSTING_SESSION_ADDRESS_MINUTES_SQL = `
SELECT
  toUnixTimestamp(toStartOfMinute(s.ts)) * 1000 AS minute,
  s.app, s.country, s.prefix, s.asn, s.ip,
  toUInt64(count()) AS sessions,
  toUInt64(countIf(v.verified = 1)) AS verified,
  toUInt64(countIf(v.session_id = '')) AS untyped
FROM (
  SELECT ts, app, country, prefix, asn, ip, session_id
  FROM sends_raw
  WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
    AND asn_hosting = 1 AND session_start = 1
) AS s
LEFT JOIN (
  SELECT session_id, max(session_verified) AS verified
  FROM verifies_raw
  WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({verifiesTo:Int64})
    AND session_id IN (
      SELECT session_id FROM sends_raw
      WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
        AND asn_hosting = 1 AND session_start = 1)
  GROUP BY session_id
) AS v ON v.session_id = s.session_id
GROUP BY minute, s.app, s.country, s.prefix, s.asn, s.ip`;

const QUERY = `${HOSTING_SESSION_ADDRESS_MINUTES_SQL}
ORDER BY minute`;

type RawRow = [
  minute: number,
  app: string,
  country: string,
  prefix: string,
  asn: number,
  ip: string,
  sessions: number | string,
  verified: number | string,
  untyped: number | string,
];

/** Hosting sessions started in [fromMs, toMs) per minute and client address, verifies counted until `verifiesToMs`. */
export async function hostingSessionAddresses(
  store: Store,
  params: { fromMs: number; toMs: number; verifiesToMs: number },
): Promise<HostingSessionAddressRow[]> {
  const rs = await store.client.query({
    query: QUERY,
    query_params: { from: params.fromMs, to: params.toMs, verifiesTo: params.verifiesToMs },
    format: 'JSONCompact',
  });
  const { data } = await rs.json<RawRow>();
  return data.map((row) => ({
    ts: Number(row[0]),
    app: row[1],
    country: row[2],
    prefix: row[3],
    asn: Number(row[4]),
    ip: row[5],
    sessions: Number(row[6]),
    verified: Number(row[7]),
    untyped: Number(row[8]),
  }));
}
