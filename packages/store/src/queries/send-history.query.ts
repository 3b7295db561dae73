import type { Store } from '../store.ts';

/** One stored send as the decision path saw it, with whether its session verified later. */
export interface HistorySendRow {
  ts: number;
  app: string;
  flow: string;
  session_id: string;
  phone_hash: string;
  block_hash: string;
  country: string;
  prefix: string;
  ip: string;
  ip_subnet: string;
  asn: number;
  asn_hosting: number;
  provider: string;
  cost_usd: number;
  device_id: string;
  user_agent: string;
  /** 1 when a verify of the session succeeded before `verifyUntilMs`. */
  verified: number;
}

export const SEND_HISTORY_QUERY_NAME = 'send-history';

// send_ms, not ts: an alias named like the column would replace it in WHERE (ClickHouse resolves
// aliases first) and cost the partition pruning on ts. The verified sessions come from one scan of the verifies in the range (plus the time a late
// verify may take); (app, session_id) IN a set is a hash lookup per send.
const QUERY = `
SELECT toUnixTimestamp64Milli(ts) AS send_ms, app, flow, session_id, phone_hash, block_hash, country, prefix, ip, ip_subnet,
       asn, asn_hosting, provider, cost_usd, device_id, user_agent,
       (app, session_id) IN (
         SELECT app, session_id FROM verifies_raw
         WHERE success = 1 AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({verify_until:Int64})
       ) AS verified
FROM sends_raw
WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
ORDER BY ts, event_id`;

/** The sends of [fromMs, toMs) in time order, each marked verified if its session verified before `verifyUntilMs`. */
export async function sendHistory(
  store: Store,
  params: { fromMs: number; toMs: number; verifyUntilMs: number },
): Promise<HistorySendRow[]> {
  const rs = await store.client.query({
    query: QUERY,
    query_params: { from: params.fromMs, to: params.toMs, verify_until: params.verifyUntilMs },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<Omit<HistorySendRow, 'ts'> & { send_ms: number }>();
  return rows.map(({ send_ms, ...row }) => ({ ts: Number(send_ms), ...row }));
}
