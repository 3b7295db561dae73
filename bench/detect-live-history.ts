/**
 * Synthetic history for the live-cycle benchmark, written by ClickHouse itself: ingesting ten
 * million sends through the pipeline takes twenty minutes, INSERT ... SELECT FROM numbers() a minute
 * or two. The rows go into the raw tables the collectors write, so the rollup views fill traffic_1m
 * exactly as ingest does and the detector reads the same tables as in production.
 *
 * The shape is what makes a cycle's cost: about 40 countries (a long tail), 8 prefixes each, 5 ASNs
 * per country (every 17th a hosting network), 3 apps, 2 flows, 3 providers, sends spread evenly
 * over the span; 85% of sessions verify, 97% of messages are delivered, every message is billed.
 */
import type { Store } from '@tollgate/store';

const COUNTRIES = [
  'US',
  'IN',
  'BR',
  'ID',
  'MX',
  'GB',
  'DE',
  'FR',
  'PH',
  'NG',
  'VN',
  'ES',
  'IT',
  'TR',
  'PK',
  'CA',
  'EG',
  'TH',
  'BD',
  'JP',
  'CO',
  'AR',
  'AU',
  'ZA',
  'SA',
  'MY',
  'KR',
  'PL',
  'KE',
  'NL',
  'LK',
  'UZ',
  'MM',
  'KW',
  'AZ',
  'KG',
  'TJ',
  'PG',
  'CL',
  'PE',
];

// Each derived column hashes the row number with its own salt, so columns are independent and a
// rerun writes the same rows. The square skews countries towards the head of the list.
const SENDS = `
INSERT INTO sends_raw (event_id, ts, app, flow, session_id, phone_hash, block_hash, country, prefix, number_type, ip,
  ip_subnet, asn, asn_org, asn_hosting, channel, provider, message_id, status, cost, currency, cost_usd, device_id, user_agent)
WITH toUInt32(floor(pow((cityHash64(number, 4) % 10000) / 10000, 2) * length({countries:Array(String)}))) AS c
SELECT
  concat('snd_', toString(number)) AS event_id,
  fromUnixTimestamp64Milli(toInt64({from:Int64} + intDiv((number - {first:UInt64}) * {span_ms:Int64}, {rows:UInt64}))) AS ts,
  arrayElement(['social', 'shop', 'bank'], 1 + cityHash64(number, 1) % 3) AS app,
  arrayElement(['signup', 'login'], 1 + cityHash64(number, 2) % 2) AS flow,
  concat('ses_', toString(number)) AS session_id,
  hex(cityHash64(number, 3)) AS phone_hash,
  hex(intDiv(cityHash64(number, 3), 1000)) AS block_hash,
  arrayElement({countries:Array(String)}, c + 1) AS country,
  concat('+', toString(100 + c), ' ', toString(cityHash64(number, 5) % 8)) AS prefix,
  'mobile' AS number_type,
  IPv4NumToString(toUInt32(cityHash64(number, 6) % 4294967295)) AS ip,
  '' AS ip_subnet,
  toUInt32(1000 + c * 10 + cityHash64(number, 7) % 5) AS asn,
  concat('AS', toString(asn)) AS asn_org,
  toUInt8(asn % 17 = 0) AS asn_hosting,
  'sms' AS channel,
  arrayElement(['twilio', 'vonage', 'sinch'], 1 + cityHash64(number, 8) % 3) AS provider,
  concat('msg_', toString(number)) AS message_id,
  if(cityHash64(number, 9) % 100 = 0, 'failed', 'accepted') AS status,
  if(status = 'failed', 0, 0.01 + (c % 7) * 0.04) AS cost,
  'USD' AS currency,
  cost AS cost_usd,
  '' AS device_id,
  '' AS user_agent
FROM numbers({first:UInt64}, {rows:UInt64})`;

const VERIFIES = `
INSERT INTO verifies_raw (event_id, ts, app, session_id, phone_hash, ip, ip_subnet, success, send_ts, flow, country, prefix, asn, provider)
SELECT concat('vfy_', event_id), ts + toIntervalSecond(20), app, session_id, phone_hash, ip, ip_subnet, 1, ts, flow, country, prefix, asn, provider
FROM sends_raw WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND status = 'accepted' AND cityHash64(event_id, 10) % 100 < 85`;

const RECEIPTS = `
INSERT INTO receipts_raw (event_id, ts, provider, message_id, status, error_code, country, prefix, phone_hash, mcc_mnc, send_ts, app, flow, asn)
SELECT concat(provider, ':', message_id), ts + toIntervalSecond(4), provider, message_id,
  if(cityHash64(event_id, 11) % 100 < 97, 'delivered', 'undelivered'), '', country, prefix, phone_hash, '', ts, app, flow, asn
FROM sends_raw WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND status = 'accepted'`;

const BILLING = `
INSERT INTO billing_raw (event_id, ts, provider, country, prefix, segments, cost, currency, cost_usd, send_ts, app, flow, asn)
SELECT message_id, ts + toIntervalMinute(30), provider, country, prefix, 1, cost, 'USD', cost_usd, ts, app, flow, asn
FROM sends_raw WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND status = 'accepted'`;

/**
 * Writes `sends` sends (and their verifies, receipts and bills) evenly over [fromMs, toMs), then
 * merges the traffic rollups into one part per month, as background merges leave a month that is
 * over: the worst case for reading recent minutes from them. The raw tables keep the parts the
 * inserts made. `firstNumber` continues an earlier history past its last send (event ids stay
 * unique) when a cached store is brought up to the present; its range must start after that history.
 */
export async function writeSyntheticHistory(
  store: Store,
  params: { sends: number; fromMs: number; toMs: number; firstNumber?: number },
): Promise<void> {
  const first = params.firstNumber ?? 0;
  const sendParams = { first, rows: params.sends, from: params.fromMs, span_ms: params.toMs - params.fromMs, countries: COUNTRIES };
  await store.client.command({ query: SENDS, query_params: sendParams });
  for (const query of [VERIFIES, RECEIPTS, BILLING]) await store.client.command({ query, query_params: { from: params.fromMs } });
  for (const table of ['traffic_1m', 'traffic_1h'])
    await store.client.command({ query: 'OPTIMIZE TABLE {table:Identifier} FINAL', query_params: { table } });
}
