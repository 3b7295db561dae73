/**
 * Normalized rows: what the collectors hand to the store after validation, normalization, hashing
 * and enrichment. Field names are the ClickHouse column names, so a row is inserted as it is.
 * No raw phone number appears in any row; only keyed hashes, the country and the prefix.
 */

export const FLOWS = ['signup', 'login', 'recovery', 'step_up'] as const;
export type Flow = (typeof FLOWS)[number];

export const CHANNELS = ['sms', 'voice', 'whatsapp', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export const SEND_STATUSES = ['accepted', 'failed'] as const;
export type SendStatus = (typeof SEND_STATUSES)[number];

export const RECEIPT_STATUSES = ['delivered', 'undelivered', 'failed', 'sent', 'queued', 'unknown'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

/** Time columns travel as epoch milliseconds: ClickHouse DateTime64(3) accepts them in JSONEachRow. */
export type EpochMs = number;

export interface SendRow {
  event_id: string;
  ts: EpochMs;
  app: string;
  flow: Flow;
  session_id: string;
  phone_hash: string;
  block_hash: string;
  country: string;
  prefix: string;
  number_type: string;
  ip: string;
  ip_subnet: string;
  asn: number;
  asn_org: string;
  asn_hosting: 0 | 1;
  channel: Channel;
  provider: string;
  message_id: string;
  status: SendStatus;
  cost: number;
  currency: string;
  cost_usd: number;
  device_id: string;
  user_agent: string;
  /**
   * 1 for the first send of its session, 0 for a resend: sessions are counted by adding these up
   * (migration 015). The collectors' ingestor decides it; a lone send starts its session.
   */
  session_start: 0 | 1;
}

/**
 * The scope of the send a later event belongs to. Verify events, billing lines and receipts do not
 * carry it on the wire; the collectors attach it (by session id or provider message id) so that
 * rollups count a verification, a bill or a receipt against the minute and scope of its send.
 * Empty strings and 0 mean "not known" (the send was never seen, or is older than the lookup window).
 */
export interface SendScope {
  send_ts: EpochMs;
  app: string;
  flow: string;
  country: string;
  prefix: string;
  asn: number;
  provider: string;
}

export interface VerifyRow extends SendScope {
  event_id: string;
  ts: EpochMs;
  session_id: string;
  phone_hash: string;
  ip: string;
  ip_subnet: string;
  success: 0 | 1;
  /** 1 for the first successful verify of a session whose send is known; set by the ingestor like `session_start`. */
  session_verified: 0 | 1;
}

/** Billing lines are keyed by the provider's message id (`event_id`), which is also the send's `message_id`. */
export interface BillingRow extends SendScope {
  event_id: string;
  ts: EpochMs;
  segments: number;
  cost: number;
  currency: string;
  cost_usd: number;
}

/** `event_id` is derived from provider, message id and status, so a re-delivered callback is a duplicate. */
export interface ReceiptRow extends SendScope {
  event_id: string;
  ts: EpochMs;
  message_id: string;
  status: ReceiptStatus;
  error_code: string;
  phone_hash: string;
  mcc_mnc: string;
}

export type EventKind = 'send' | 'verify' | 'billing' | 'receipt';

export interface RowsByKind {
  send: SendRow;
  verify: VerifyRow;
  billing: BillingRow;
  receipt: ReceiptRow;
}

/** One rejected line of a batch: 1-based line (or array index + 1), the field at fault and why. */
export interface Rejection {
  line: number;
  field: string;
  reason: string;
}

/**
 * Column order of each raw table as rows are written (the store's fast insert path sends values in
 * this order). A test checks that every normalized row has exactly these keys.
 */
export const ROW_COLUMNS: { [K in EventKind]: readonly (keyof RowsByKind[K] & string)[] } = {
  send: [
    'event_id',
    'ts',
    'app',
    'flow',
    'session_id',
    'phone_hash',
    'block_hash',
    'country',
    'prefix',
    'number_type',
    'ip',
    'ip_subnet',
    'asn',
    'asn_org',
    'asn_hosting',
    'channel',
    'provider',
    'message_id',
    'status',
    'cost',
    'currency',
    'cost_usd',
    'device_id',
    'user_agent',
    'session_start',
  ],
  verify: [
    'event_id',
    'ts',
    'app',
    'session_id',
    'phone_hash',
    'ip',
    'ip_subnet',
    'success',
    'send_ts',
    'flow',
    'country',
    'prefix',
    'asn',
    'provider',
    'session_verified',
  ],
  billing: ['event_id', 'ts', 'provider', 'country', 'prefix', 'segments', 'cost', 'currency', 'cost_usd', 'send_ts', 'app', 'flow', 'asn'],
  receipt: [
    'event_id',
    'ts',
    'provider',
    'message_id',
    'status',
    'error_code',
    'country',
    'prefix',
    'phone_hash',
    'mcc_mnc',
    'send_ts',
    'app',
    'flow',
    'asn',
  ],
};
