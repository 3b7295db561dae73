import type { Store } from '../store.ts';

/** What a run of failed verification attempts is counted against. */
export type VerifyFailureSubject = 'session' | 'ip' | 'phone';

/** Failed and total verification attempts of one subject in one minute. */
export interface VerifyFailureMinute {
  ts: number;
  subject: VerifyFailureSubject;
  /** Session id, IP address or phone hash. */
  key: string;
  app: string;
  flow: string;
  country: string;
  /** The rest of the send's scope (a session has one; for an IP or phone, one of its sends'). */
  prefix: string;
  asn: number;
  provider: string;
  /** Minute of the earliest send the attempts verify: where the rollup counts the session. */
  send_minute: number;
  attempts: number;
  failures: number;
}

export const VERIFY_FAILURES_QUERY_NAME = 'verify-failures';

// One arm per subject; each keeps only subjects with `minFailures` failures over the range, which
// leaves out the user who mistyped a code once.
const arm = (subject: VerifyFailureSubject, column: string): string => `
SELECT toUnixTimestamp(toStartOfMinute(ts)) * 1000 AS t, '${subject}' AS subject, ${column} AS key,
       any(app) AS app, any(flow) AS flow, any(country) AS country,
       any(prefix) AS prefix, any(asn) AS asn, any(provider) AS provider,
       toUnixTimestamp(toStartOfMinute(min(send_ts))) * 1000 AS send_minute,
       toUInt64(count()) AS attempts, toUInt64(countIf(success = 0)) AS failures
FROM verifies_raw
WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64}) AND ${column} != ''
  AND ${column} IN (
    SELECT ${column} FROM verifies_raw
    WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64}) AND success = 0
    GROUP BY ${column} HAVING count() >= {min_failures:UInt32})
GROUP BY t, key`;

const QUERY = `SELECT * FROM (${arm('session', 'session_id')} UNION ALL ${arm('ip', 'ip')} UNION ALL ${arm('phone', 'phone_hash')}) ORDER BY t`;

/** Per-minute verification attempts of the sessions, IPs and phones with at least `minFailures` failures in [fromMs, toMs). */
export async function verifyFailureActivity(
  store: Store,
  params: { fromMs: number; toMs: number; minFailures: number },
): Promise<VerifyFailureMinute[]> {
  const rs = await store.client.query({
    query: QUERY,
    query_params: { from: params.fromMs, to: params.toMs, min_failures: params.minFailures },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<Omit<VerifyFailureMinute, 'ts'> & { t: number }>();
  return rows.map(({ t, ...rest }) => ({ ts: t, ...rest }));
}
