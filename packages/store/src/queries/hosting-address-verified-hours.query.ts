import type { Store } from '../store.ts';

/**
 * Verified sessions started from hosting networks in one hour, per client address: where people
 * on a VPN verify from over a week, without the minute, app and destination of each session. A
 * sender whose users are behind VPNs has many such addresses; an hour holds each of them once.
 */
export interface HostingAddressVerifiedHour {
  /** The hour's start, epoch milliseconds. */
  ts: number;
  ip: string;
  /** Sessions with a successful verify. */
  verified: number;
}

export const HOSTING_ADDRESS_VERIFIED_HOURS_QUERY_NAME = 'hosting-address-verified-hours';

// The sessions and verifies of `hosting-session-addresses.query.ts`, counted the same way (a
// session in the hour of its first send, verified if a right code came before `verifiesTo`), summed
// by hour and address in the store so a week of them never reaches the detector as minute rows.
// Hours are cut on the epoch, not the server's time zone, as the detector's hours are.
const QUERY = `
SELECT
  intDiv(toUnixTimestamp(s.ts), 3600) * 3600000 AS hour,
  s.ip,
  toUInt64(count()) AS verified
FROM (
  SELECT ts, ip, session_id
  FROM sends_raw
  WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
    AND asn_hosting = 1 AND session_start = 1
) AS s
INNER JOIN (
  SELECT session_id
  FROM verifies_raw
  WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({verifiesTo:Int64})
    AND session_id IN (
      SELECT session_id FROM sends_raw
      WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
        AND asn_hosting = 1 AND session_start = 1)
  GROUP BY session_id
  HAVING max(session_verified) = 1
) AS v ON v.session_id = s.session_id
GROUP BY hour, s.ip
ORDER BY hour, s.ip`;

type RawRow = [hour: number | string, ip: string, verified: number | string];

/** Verified hosting sessions started in [fromMs, toMs) per hour and client address, verifies counted until `verifiesToMs`. */
export async function hostingAddressVerifiedHours(
  store: Store,
  params: { fromMs: number; toMs: number; verifiesToMs: number },
): Promise<HostingAddressVerifiedHour[]> {
  const rs = await store.client.query({
    query: QUERY,
    query_params: { from: params.fromMs, to: params.toMs, verifiesTo: params.verifiesToMs },
    format: 'JSONCompact',
  });
  const { data } = await rs.json<RawRow>();
  return data.map((row) => ({ ts: Number(row[0]), ip: row[1], verified: Number(row[2]) }));
}
