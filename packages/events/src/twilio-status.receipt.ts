import { carrierTimeOr, missingFields, parseCompactUtcTime, phoneFromProvider, type TranslatedReceipt } from './provider-receipt.ts';
import type { ReceiptStatus } from './rows.ts';
import type { ReceiptInput } from './wire.ts';

/**
 * Twilio MessageStatus values (Messaging status callbacks) in Tollgate's terms. `read` (WhatsApp,
 * RCS) implies delivery; `canceled` means a scheduled message was never sent. States Twilio adds
 * later land on `unknown` instead of rejecting the callback.
 */
const TWILIO_STATUSES: Readonly<Record<string, ReceiptStatus>> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

export const TWILIO_PROVIDER = 'twilio';

/**
 * A Twilio status callback (form fields as Twilio posts them) as a generic receipt. Twilio sends
 * no event time except RawDlrDoneDate, the carrier's delivery time (YYMMDDhhmm, UTC) on final
 * states; otherwise the time the callback arrived is the best there is.
 */
export function twilioStatusToReceipt(params: Readonly<Record<string, string>>, receivedAtMs: number = Date.now()): TranslatedReceipt {
  // SmsSid / SmsStatus are the legacy names Twilio still sends alongside the new ones.
  const messageId = params.MessageSid || params.SmsSid;
  const status = (params.MessageStatus || params.SmsStatus)?.toLowerCase();
  if (!messageId || !status) {
    return missingFields([...(messageId ? [] : ['MessageSid']), ...(status ? [] : ['MessageStatus'])], 'Twilio');
  }
  const receipt: ReceiptInput = {
    ts: carrierTimeOr(parseCompactUtcTime(params.RawDlrDoneDate), receivedAtMs),
    provider: TWILIO_PROVIDER,
    message_id: messageId,
    status: TWILIO_STATUSES[status] ?? 'unknown',
  };
  if (params.ErrorCode) receipt.error_code = params.ErrorCode;
  const phone = phoneFromProvider(params.To);
  if (phone !== undefined) receipt.phone = phone;
  return { ok: true, receipt };
}
