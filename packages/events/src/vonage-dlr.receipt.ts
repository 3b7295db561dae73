import { carrierTimeOr, missingFields, parseCompactUtcTime, phoneFromProvider, type TranslatedReceipt } from './provider-receipt.ts';
import type { EpochMs, ReceiptStatus } from './rows.ts';
import type { ReceiptInput } from './wire.ts';

/**
 * Vonage SMS API DLR statuses in Tollgate's terms: `expired` never reached the handset within
 * its validity (undelivered), `rejected` was refused by Vonage or the carrier (failed),
 * `accepted` is with the carrier (sent), `buffered` waits in the network (queued).
 */
const VONAGE_STATUSES: Readonly<Record<string, ReceiptStatus>> = {
  delivered: 'delivered',
  expired: 'undelivered',
  failed: 'failed',
  rejected: 'failed',
  accepted: 'sent',
  buffered: 'queued',
  unknown: 'unknown',
};

export const VONAGE_PROVIDER = 'vonage';

/** Vonage's err-code for success: not an error worth a label. */
const VONAGE_NO_ERROR = '0';
const MCC_MNC = /^\d{5,6}$/;
/** message-timestamp: "2020-01-01 12:00:00", UTC. */
const VONAGE_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/;

/**
 * A Vonage delivery receipt (query string, form or JSON fields) as a generic receipt. The event
 * time is the carrier's `scts` (YYMMDDhhmm, UTC), else `message-timestamp` (when Vonage sent the
 * DLR), else the time it arrived.
 */
export function vonageDlrToReceipt(params: Readonly<Record<string, string>>, receivedAtMs: number = Date.now()): TranslatedReceipt {
  // Vonage documents messageId; older integrations and the JSON form use message-id.
  const messageId = params.messageId || params['message-id'];
  const status = params.status?.toLowerCase();
  if (!messageId || !status) {
    return missingFields([...(messageId ? [] : ['messageId']), ...(status ? [] : ['status'])], 'Vonage');
  }
  const receipt: ReceiptInput = {
    ts: carrierTimeOr(parseCompactUtcTime(params.scts) ?? vonageTimestamp(params['message-timestamp']), receivedAtMs),
    provider: VONAGE_PROVIDER,
    message_id: messageId,
    status: VONAGE_STATUSES[status] ?? 'unknown',
  };
  const errorCode = params['err-code'];
  if (errorCode && errorCode !== VONAGE_NO_ERROR) receipt.error_code = errorCode;
  const networkCode = params['network-code'];
  if (networkCode !== undefined && MCC_MNC.test(networkCode)) receipt.mcc_mnc = networkCode;
  const phone = phoneFromProvider(params.msisdn);
  if (phone !== undefined) receipt.phone = phone;
  return { ok: true, receipt };
}

function vonageTimestamp(text: string | undefined): EpochMs | undefined {
  const parts = text === undefined ? null : VONAGE_TIMESTAMP.exec(text);
  if (parts === null) return undefined;
  const ms = Date.parse(`${parts[1]}T${parts[2]}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}
