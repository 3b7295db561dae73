import { RECEIPT_STATUSES } from './rows.ts';
import { freeText, identifier, MAX_NAME_LENGTH, MCC_MNC_FIELD, oneOfValues, PHONE_FIELD, TS_FIELD } from './schema-fields.ts';

/** Provider error codes are short: Twilio's are 5 digits, Vonage's up to 3. */
const MAX_ERROR_CODE_LENGTH = 32;

/** A delivery receipt in Tollgate's generic form (wire.ts `ReceiptInput`); provider formats are translated into it. */
export const RECEIPT_EVENT_SCHEMA = {
  $id: 'tollgate/receipt-event',
  title: 'Delivery receipt',
  type: 'object',
  required: ['ts', 'provider', 'message_id', 'status'],
  properties: {
    event_id: identifier('unique id; provider:message_id:status when absent'),
    ts: TS_FIELD,
    provider: identifier('the provider that reported it', MAX_NAME_LENGTH),
    message_id: identifier("the provider's message id"),
    status: oneOfValues(RECEIPT_STATUSES, 'delivery state'),
    error_code: freeText("the provider's error code, if any", MAX_ERROR_CODE_LENGTH),
    phone: PHONE_FIELD,
    mcc_mnc: MCC_MNC_FIELD,
  },
} as const;
