/** Rows the store tests insert, built from one another as the collectors would send them. */
import type { SendRow, VerifyRow } from '@tollgate/events';

/** A send as a collector posts it, with backslashes and quotes its row's TSV must escape. */
export const WIRE_SEND = {
  event_id: 's\\1',
  ts: '2026-11-20T10:00:00Z',
  app: 'shop',
  flow: 'login',
  session_id: 'a\\b',
  phone: '+447400123456',
  ip: '81.2.69.160',
  provider: 'twilio',
  status: 'accepted',
  cost: 0.04,
  user_agent: 'Mozilla/5.0 (X11; Linux) \\ "quoted"',
} as const;

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

/** A send of a session of its own from a GB subscriber, accepted at 0.05 USD: tests change what they are about. */
export function sendRow(id: string, ts: number, fields: Partial<SendRow> = {}): SendRow {
  return {
    event_id: id,
    ts,
    app: 'shop',
    flow: 'login',
    session_id: `s-${id}`,
    phone_hash: `p-${id}`,
    block_hash: 'b',
    country: 'GB',
    prefix: '+44 791',
    number_type: 'mobile',
    ip: '192.0.2.1',
    ip_subnet: '192.0.2.0/24',
    asn: 64500,
    asn_org: 'x',
    asn_hosting: 0,
    channel: 'sms',
    provider: 'twilio',
    message_id: `m-${id}`,
    status: 'accepted',
    cost: 0.05,
    currency: 'USD',
    cost_usd: 0.05,
    device_id: '',
    user_agent: '',
    session_start: 1,
    ...fields,
  };
}
