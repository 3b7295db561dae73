import { describe, expect, it } from 'vitest';
import { twilioStatusToReceipt, verifyTwilioSignature, vonageDlrToReceipt } from '../src/index.ts';

const RECEIVED_AT = Date.UTC(2024, 5, 1, 12, 0, 0);
const SID = 'SM0123456789abcdef0123456789abcdef';

describe('twilioStatusToReceipt', () => {
  const callback = { AccountSid: 'AC0000', MessageSid: SID, To: '+447400123456', From: '+15005550006', ApiVersion: '2010-04-01' };

  it.each([
    ['delivered', { MessageStatus: 'delivered', RawDlrDoneDate: '2406011158' }, { status: 'delivered', ts: Date.UTC(2024, 5, 1, 11, 58) }],
    ['read (WhatsApp) as delivered', { MessageStatus: 'read' }, { status: 'delivered' }],
    [
      'undelivered with its error code',
      { MessageStatus: 'undelivered', ErrorCode: '30003' },
      { status: 'undelivered', error_code: '30003' },
    ],
    ['failed', { MessageStatus: 'failed', ErrorCode: '30008' }, { status: 'failed', error_code: '30008' }],
    ['canceled as failed', { MessageStatus: 'canceled' }, { status: 'failed' }],
    ['sent', { MessageStatus: 'sent' }, { status: 'sent' }],
    ['queued', { MessageStatus: 'queued' }, { status: 'queued' }],
    ['sending as queued', { MessageStatus: 'sending' }, { status: 'queued' }],
    ['accepted as queued', { MessageStatus: 'accepted' }, { status: 'queued' }],
    ['a status Twilio adds later as unknown', { MessageStatus: 'partially_delivered' }, { status: 'unknown' }],
    ['the legacy SmsStatus field', { SmsStatus: 'delivered' }, { status: 'delivered' }],
    [
      'an unreadable RawDlrDoneDate as the arrival time',
      { MessageStatus: 'delivered', RawDlrDoneDate: '2413011158' },
      { status: 'delivered', ts: RECEIVED_AT },
    ],
    [
      'a carrier time days ahead as the arrival time',
      { MessageStatus: 'delivered', RawDlrDoneDate: '2406051158' },
      { status: 'delivered', ts: RECEIVED_AT },
    ],
    [
      'a WhatsApp recipient as E.164',
      { MessageStatus: 'delivered', To: 'whatsapp:+447400123456' },
      { status: 'delivered', phone: '+447400123456' },
    ],
    [
      'a recipient that is not a number, left out',
      { MessageStatus: 'delivered', To: 'client:alice' },
      { status: 'delivered', phone: undefined },
    ],
  ])('translates %s', (_name, fields, expected) => {
    const result = twilioStatusToReceipt({ ...callback, ...fields }, RECEIVED_AT);
    expect(result).toEqual({
      ok: true,
      receipt: { ts: RECEIVED_AT, provider: 'twilio', message_id: SID, phone: '+447400123456', ...expected },
    });
  });

  it.each([
    ['MessageSid', { MessageStatus: 'delivered' }, ['MessageSid']],
    ['MessageStatus', { MessageSid: SID }, ['MessageStatus']],
    ['both', {}, ['MessageSid', 'MessageStatus']],
  ])('rejects a callback without %s', (_name, fields, missing) => {
    const result = twilioStatusToReceipt(fields, RECEIVED_AT);
    expect(result.ok ? [] : result.rejected.map((rejection) => `${rejection.line}:${rejection.field}`)).toEqual(
      missing.map((field) => `1:${field}`),
    );
  });
});

describe('vonageDlrToReceipt', () => {
  const dlr = {
    msisdn: '447400123456',
    to: 'Acme',
    'network-code': '23410',
    messageId: '0A0000000123ABCD1',
    price: '0.03330000',
    'err-code': '0',
    'api-key': 'abcd1234',
  };

  it.each([
    [
      'delivered at the carrier time',
      { status: 'delivered', scts: '2406011158' },
      { status: 'delivered', ts: Date.UTC(2024, 5, 1, 11, 58) },
    ],
    ['expired as undelivered', { status: 'expired', 'err-code': '1' }, { status: 'undelivered', error_code: '1' }],
    ['failed', { status: 'failed', 'err-code': '5' }, { status: 'failed', error_code: '5' }],
    ['rejected as failed', { status: 'rejected', 'err-code': '6' }, { status: 'failed', error_code: '6' }],
    ['accepted as sent', { status: 'accepted' }, { status: 'sent' }],
    ['buffered as queued', { status: 'buffered' }, { status: 'queued' }],
    ['unknown', { status: 'unknown' }, { status: 'unknown' }],
    [
      'message-timestamp when scts is absent',
      { status: 'delivered', 'message-timestamp': '2024-06-01 11:59:30' },
      { status: 'delivered', ts: Date.UTC(2024, 5, 1, 11, 59, 30) },
    ],
    ['the message-id spelling', { status: 'delivered', messageId: '', 'message-id': 'X1' }, { status: 'delivered', message_id: 'X1' }],
    [
      'a network code that is not an MCC/MNC, left out',
      { status: 'delivered', 'network-code': 'n/a' },
      { status: 'delivered', mcc_mnc: undefined },
    ],
  ])('translates %s', (_name, fields, expected) => {
    const result = vonageDlrToReceipt({ ...dlr, ...fields }, RECEIVED_AT);
    expect(result).toEqual({
      ok: true,
      receipt: { ts: RECEIVED_AT, provider: 'vonage', message_id: dlr.messageId, phone: '+447400123456', mcc_mnc: '23410', ...expected },
    });
  });

  it('rejects a DLR without message id and status', () => {
    const result = vonageDlrToReceipt({ msisdn: '447400123456' }, RECEIVED_AT);
    expect(result.ok ? [] : result.rejected.map((rejection) => rejection.field)).toEqual(['messageId', 'status']);
  });
});

describe('verifyTwilioSignature', () => {
  // Twilio's documented examples (auth token 12345, "Validating requests" in Twilio's docs and api-snippets).
  const documented = {
    authToken: '12345',
    url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
    params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' },
  };
  const olderDocumented = {
    ...documented,
    params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' },
  };
  // Computed independently: printf 'https://example.com/twilio/statusAccountSidAC0000MessageSidSM1111MessageStatusdelivered'
  //   | openssl dgst -sha1 -hmac s3cret -binary | base64
  const statusCallback = {
    authToken: 's3cret',
    url: 'https://example.com/twilio/status',
    params: { MessageStatus: 'delivered', MessageSid: 'SM1111', AccountSid: 'AC0000' },
  };

  it.each([
    ["Twilio's documented example", documented, 'GvWf1cFY/Q7PnoempGyD5oXAezc=', true],
    ["Twilio's older documented example", olderDocumented, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', true],
    ['a status callback signed with openssl, params out of order', statusCallback, 'T2yGrv+K3rzTHGet+zD/jKELmp0=', true],
    ['a signature of other params', documented, 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', false],
    [
      'a tampered param',
      { ...statusCallback, params: { ...statusCallback.params, MessageStatus: 'failed' } },
      'T2yGrv+K3rzTHGet+zD/jKELmp0=',
      false,
    ],
    ['another URL', { ...statusCallback, url: 'https://example.com/twilio/status?x=1' }, 'T2yGrv+K3rzTHGet+zD/jKELmp0=', false],
    ['another auth token', { ...statusCallback, authToken: 'other' }, 'T2yGrv+K3rzTHGet+zD/jKELmp0=', false],
    ['an empty signature', statusCallback, '', false],
    ['a truncated signature', statusCallback, 'T2yGrv+K3rzTHGet+zD/jKELmp0', false],
  ])('checks %s', (_name, request, signature, valid) => {
    expect(verifyTwilioSignature({ ...request, signature })).toBe(valid);
  });
});
