import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMAS, validateEvent, type EventKind } from '../src/index.ts';
import { BILLING, NOW_MS, RECEIPT, SEND, VERIFY } from './fixtures/events.ts';

const VALID: Record<EventKind, Record<string, unknown>> = { send: SEND, verify: VERIFY, billing: BILLING, receipt: RECEIPT };

describe('validateEvent', () => {
  it.each(Object.entries(VALID) as [EventKind, Record<string, unknown>][])(
    'accepts a valid %s event and parses its time',
    (kind, event) => {
      const result = validateEvent[kind](event, NOW_MS);
      expect(result.ok).toBe(true);
      expect(result.ok && result.value.tsMs).toBeGreaterThan(Date.UTC(2024, 0, 1));
    },
  );

  it.each([
    ['send', { ...SEND, unknown_extra: 1, channel: 'whatsapp', asn: 16509, country: 'GB', device_id: 'd1', user_agent: 'Mozilla/5.0' }],
    ['verify', { ...VERIFY, phone: '+447400123456', ip: '2001:db8::1' }],
    ['billing', { ...BILLING, phone_prefix: '+44740', segments: 2, currency: 'EUR' }],
    ['receipt', { ...RECEIPT, event_id: 'r1', error_code: '30007', phone: '+447400123456', mcc_mnc: '23410' }],
  ] as const)('accepts the optional fields of a %s event', (kind, event) => {
    expect(validateEvent[kind](event, NOW_MS).ok).toBe(true);
  });

  it.each([
    ['send', 'a missing field', { ...SEND, app: undefined }, 'app', /^required field is missing/],
    ['send', 'a wrong type', { ...SEND, cost: '0.04' }, 'cost', /^must be a number \(got a string\)/],
    [
      'send',
      'a cost past what a double holds (1e400 parses as Infinity)',
      { ...SEND, cost: JSON.parse('1e400') },
      'cost',
      /got a number too large to represent/,
    ],
    ['send', 'a non-integer asn', { ...SEND, asn: 1.5 }, 'asn', /^must be a whole number/],
    [
      'send',
      'an unknown flow',
      { ...SEND, flow: 'checkout' },
      'flow',
      /unknown value "checkout" \(expected one of: signup, login, recovery, step_up\)/,
    ],
    ['send', 'an unknown channel', { ...SEND, channel: 'fax' }, 'channel', /expected one of: sms, voice, whatsapp, email/],
    ['send', 'an unknown status', { ...SEND, status: 'sent' }, 'status', /expected one of: accepted, failed/],
    ['send', 'control characters in an identifier', { ...SEND, session_id: 'abc\u0000def' }, 'session_id', /control characters/],
    ['send', 'a newline in the app', { ...SEND, app: 'web\nx' }, 'app', /control characters/],
    ['send', 'an empty identifier', { ...SEND, event_id: '' }, 'event_id', /must not be empty/],
    ['send', 'an over-long identifier', { ...SEND, event_id: 'e'.repeat(129) }, 'event_id', /longer than 128 characters/],
    ['send', 'an over-long user agent', { ...SEND, user_agent: 'u'.repeat(513) }, 'user_agent', /longer than 512/],
    [
      'send',
      'a phone that is not E.164',
      { ...SEND, phone: '07400 123456' },
      'phone',
      /not a valid E.164 number \(expected \+<country code><number>/,
    ],
    ['send', 'an invalid ip', { ...SEND, ip: '300.1.1.1' }, 'ip', /not a valid IPv4 or IPv6 address/],
    ['send', 'a negative cost', { ...SEND, cost: -0.01 }, 'cost', /must not be negative/],
    ['send', 'an unknown currency', { ...SEND, currency: 'XYZ' }, 'currency', /unsupported currency "XYZ"/],
    ['send', 'a lower-case currency', { ...SEND, currency: 'gbp' }, 'currency', /three upper-case letters/],
    ['send', 'an unknown country code', { ...SEND, country: 'ZZ' }, 'country', /unknown country code "ZZ"/],
    ['send', 'a country that is not a code', { ...SEND, country: 'United Kingdom' }, 'country', /ISO 3166-1 alpha-2/],
    ['send', 'a ts that is neither string nor number', { ...SEND, ts: true }, 'ts', /^must be event time: ISO-8601/],
    ['send', 'a ts without zone', { ...SEND, ts: '2024-06-01T11:59:00' }, 'ts', /without Z or an offset/],
    ['send', 'a ts far in the future', { ...SEND, ts: NOW_MS + 2 * 86_400_000 }, 'ts', /more than 1 day in the future/],
    ['send', 'a ts before 2000', { ...SEND, ts: '1970-01-01T00:00:00Z' }, 'ts', /before 2000-01-01/],
    ['verify', 'a success that is not boolean', { ...VERIFY, success: 'yes' }, 'success', /must be a boolean/],
    ['billing', 'a fractional segment count', { ...BILLING, segments: 1.5 }, 'segments', /whole number/],
    ['billing', 'more segments than SMS allows', { ...BILLING, segments: 256 }, 'segments', /at most 255/],
    [
      'receipt',
      'an unknown receipt status',
      { ...RECEIPT, status: 'read' },
      'status',
      /expected one of: delivered, undelivered, failed, sent, queued, unknown/,
    ],
    ['receipt', 'a malformed mcc_mnc', { ...RECEIPT, mcc_mnc: '234-10' }, 'mcc_mnc', /5 or 6 digits/],
  ] as const)('rejects in a %s event %s, naming the field', (kind, _name, event, field, reason) => {
    const result = validateEvent[kind](event, NOW_MS);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([{ field, reason: expect.stringMatching(reason) }]);
  });

  it('names every bad field of one event, once each', () => {
    const result = validateEvent.send({ ...SEND, flow: 'x', cost: -1, ip: 'nope', event_id: 'e'.repeat(200) }, NOW_MS);
    expect(result.ok ? [] : result.problems.map((problem) => problem.field).sort()).toEqual(['cost', 'event_id', 'flow', 'ip']);
  });

  it.each([null, [], 'text', 42])('rejects %j as not an object', (input) => {
    const result = validateEvent.send(input, NOW_MS);
    expect(result.ok ? [] : result.problems).toEqual([{ field: '', reason: expect.stringMatching(/not a JSON object/) }]);
  });

  it('never echoes a phone number given as the wrong type', () => {
    const result = validateEvent.send({ ...SEND, phone: 447400123456 }, NOW_MS);
    expect(JSON.stringify(result)).not.toContain('447400123456');
  });
});

describe('EVENT_SCHEMAS', () => {
  it.each(Object.keys(EVENT_SCHEMAS) as EventKind[])('exports the %s schema as plain JSON Schema another Ajv can compile', (kind) => {
    const schema = JSON.parse(JSON.stringify(EVENT_SCHEMAS[kind])) as object;
    expect(() => new Ajv({ strict: true }).compile(schema)).not.toThrow();
  });
});
