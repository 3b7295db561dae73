import type { Store } from '../store.ts';

/** The client addresses that sent most into one scope over a window, and how many there were. */
export interface ScopeIps {
  /** Largest senders first, at most `limit`. */
  top: { ip: string; sends: number }[];
  /** Distinct addresses and sends of the scope in the window. */
  ips: number;
  sends: number;
}

export const SCOPE_IPS_QUERY_NAME = 'scope-ips';

// The sends table is ordered by app, country and prefix, then time: one scope's window is a
// contiguous range. An empty scope field matches every value.
const QUERY = `
SELECT ip, sends, count() OVER () AS ips, sum(sends) OVER () AS total
FROM (
  SELECT ip, toUInt64(count()) AS sends
  FROM sends_raw
  WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
    AND ({app:String} = '' OR app = {app:String}) AND ({flow:String} = '' OR flow = {flow:String})
    AND ({country:String} = '' OR country = {country:String}) AND ({prefix:String} = '' OR prefix = {prefix:String})
    AND ({asn:UInt32} = 0 OR asn = {asn:UInt32}) AND ({provider:String} = '' OR provider = {provider:String})
  GROUP BY ip)
ORDER BY sends DESC, ip
LIMIT {limit:UInt32}`;

/** IP concentration of a scope's sends in [fromMs, toMs): the evidence that a few servers send them. */
export async function scopeIps(
  store: Store,
  params: {
    fromMs: number;
    toMs: number;
    app?: string;
    flow?: string;
    country?: string;
    prefix?: string;
    asn?: number;
    provider?: string;
    limit: number;
  },
): Promise<ScopeIps> {
  const rs = await store.client.query({
    query: QUERY,
    query_params: {
      from: params.fromMs,
      to: params.toMs,
      app: params.app ?? '',
      flow: params.flow ?? '',
      country: params.country ?? '',
      prefix: params.prefix ?? '',
      asn: params.asn ?? 0,
      provider: params.provider ?? '',
      limit: params.limit,
    },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ ip: string; sends: number | string; ips: number | string; total: number | string }>();
  const [first] = rows;
  return {
    top: rows.map((row) => ({ ip: row.ip, sends: Number(row.sends) })),
    ips: first ? Number(first.ips) : 0,
    sends: first ? Number(first.total) : 0,
  };
}
