import type { Store } from '../store.ts';
import { HOSTING_SESSION_ADDRESS_MINUTES_SQL } from './hosting-session-addresses.query.ts';

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

// The minute rows of `hosting-session-addresses.query.ts`, summed by hour and address in the
// store so a week of them never reaches the detector as minute rows. Hours are cut on the epoch,
// as the detector's are, whatever the server's time zone.
const QUERY = `
SELECT intDiv(minute, 3600000) * 3600000 AS hour, ip, toUInt64(sum(verified)) AS verified_sessions
FROM (${HOSTING_SESSION_ADDRESS_MINUTES_SQL})
WHERE verified > 0
GROUP BY hour, ip
ORDER BY hour, ip`;

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
