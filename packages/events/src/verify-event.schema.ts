import { identifier, IP_FIELD, MAX_NAME_LENGTH, PHONE_FIELD, TS_FIELD } from './schema-fields.ts';

/** A user entering (or failing to enter) an OTP (wire.ts `VerifyInput`). */
export const VERIFY_EVENT_SCHEMA = {
  $id: 'tollgate/verify-event',
  title: 'OTP verify event',
  type: 'object',
  required: ['event_id', 'ts', 'app', 'session_id', 'success'],
  properties: {
    event_id: identifier('unique id of this verification attempt'),
    ts: TS_FIELD,
    app: identifier('the application that checked the OTP', MAX_NAME_LENGTH),
    session_id: identifier('the verification session of the send'),
    phone: PHONE_FIELD,
    ip: IP_FIELD,
    success: { type: 'boolean', description: 'whether the code was right' },
  },
} as const;
