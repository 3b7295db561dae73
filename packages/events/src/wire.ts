/**
 * The event contract as services and providers send it (see product.md, "Event contract").
 * These are the shapes before validation; times are ISO-8601 strings or epoch milliseconds.
 * Phones are raw E.164 here and only here: nothing downstream of the normalizer sees them.
 */

export type WireTime = string | number;

export interface SendInput {
  event_id: string;
  ts: WireTime;
  app: string;
  flow: 'signup' | 'login' | 'recovery' | 'step_up';
  session_id: string;
  phone: string;
  ip: string;
  asn?: number;
  country?: string;
  channel?: 'sms' | 'voice' | 'whatsapp' | 'email';
  provider: string;
  /** The provider's message id (Twilio MessageSid, Vonage message-id): links billing lines and receipts to this send. */
  message_id?: string;
  status: 'accepted' | 'failed';
  cost: number;
  currency?: string;
  device_id?: string;
  user_agent?: string;
}

export interface VerifyInput {
  event_id: string;
  ts: WireTime;
  app: string;
  session_id: string;
  phone?: string;
  ip?: string;
  success: boolean;
}

export interface BillingInput {
  /** The provider's message id. */
  event_id: string;
  ts: WireTime;
  provider: string;
  country: string;
  phone_prefix?: string;
  segments?: number;
  cost: number;
  currency?: string;
}

/** A delivery receipt in Tollgate's generic form (providers' native formats are translated into it). */
export interface ReceiptInput {
  event_id?: string;
  ts: WireTime;
  provider: string;
  message_id: string;
  status: 'delivered' | 'undelivered' | 'failed' | 'sent' | 'queued' | 'unknown';
  error_code?: string;
  phone?: string;
  mcc_mnc?: string;
}

export interface InputsByKind {
  send: SendInput;
  verify: VerifyInput;
  billing: BillingInput;
  receipt: ReceiptInput;
}
