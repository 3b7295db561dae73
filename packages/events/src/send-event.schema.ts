import { CHANNELS, FLOWS, SEND_STATUSES } from './rows.ts';
import {
  ASN_FIELD,
  COST_FIELD,
  COUNTRY_FIELD,
  CURRENCY_FIELD,
  freeText,
  identifier,
  IP_FIELD,
  MAX_NAME_LENGTH,
  MAX_USER_AGENT_LENGTH,
  oneOfValues,
  PHONE_FIELD,
  TS_FIELD,
} from './schema-fields.ts';

/** An OTP sent by a service (wire.ts `SendInput`). Unknown properties are ignored, so senders can add fields first. */
export const SEND_EVENT_SCHEMA = {
  $id: 'tollgate/send-event',
  title: 'OTP send event',
  type: 'object',
  required: ['event_id', 'ts', 'app', 'flow', 'session_id', 'phone', 'ip', 'provider', 'status', 'cost'],
  properties: {
    event_id: identifier('unique id of this send; a repeated id is a duplicate'),
    ts: TS_FIELD,
    app: identifier('the application that asked for the OTP', MAX_NAME_LENGTH),
    flow: oneOfValues(FLOWS, 'the user journey the OTP protects'),
    session_id: identifier('the verification session; its verify events carry the same id'),
    phone: PHONE_FIELD,
    ip: IP_FIELD,
    asn: ASN_FIELD,
    country: COUNTRY_FIELD,
    channel: oneOfValues(CHANNELS, 'delivery channel (sms when absent)'),
    provider: identifier('messaging provider that sent it (twilio, vonage...)', MAX_NAME_LENGTH),
    message_id: identifier("the provider's message id (Twilio MessageSid); links receipts and billing lines"),
    status: oneOfValues(SEND_STATUSES, 'whether the provider accepted the message'),
    cost: COST_FIELD,
    currency: CURRENCY_FIELD,
    device_id: identifier('device fingerprint or id, if the service has one'),
    user_agent: freeText('User-Agent of the client that asked for the OTP', MAX_USER_AGENT_LENGTH),
  },
} as const;
