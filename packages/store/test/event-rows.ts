/** Rows the store tests insert, built from one another as the collectors would send them. */
import type { SendRow, VerifyRow } from '@tollgate/events';

/** A verify of the session `of` sent, at `ts`: a code typed right or wrong, and whether it is the session's first right one. */
export function verifyOf(id: string, of: SendRow, ts: number, success: 0 | 1, sessionVerified: 0 | 1 = success): VerifyRow {
  return {
    event_id: id,
    ts,
    app: of.app,
    session_id: of.session_id,
    phone_hash: of.phone_hash,
    ip: '',
    ip_subnet: '',
    success,
    send_ts: of.ts,
    flow: of.flow,
    country: of.country,
    prefix: of.prefix,
    asn: of.asn,
    provider: of.provider,
    session_verified: sessionVerified,
  };
}
