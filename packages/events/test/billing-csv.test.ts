import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBillingCsv } from '../src/index.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseBillingCsv', () => {
  it("reads Tollgate's own columns with real line numbers, skipping blank lines", () => {
    const parsed = parseBillingCsv(fixture('billing-tollgate.csv'));
    expect(parsed.rejected).toEqual([]);
    expect(parsed.items).toEqual([
      {
        line: 2,
        value: {
          event_id: 'SM001',
          ts: '2024-06-01T10:00:00Z',
          provider: 'twilio',
          country: 'GB',
          phone_prefix: '+44740',
          segments: 1,
          cost: 0.0395,
          currency: 'USD',
        },
      },
      {
        line: 3,
        value: {
          event_id: 'SM002',
          ts: 1717236000000,
          provider: 'twilio',
          country: 'GB',
          phone_prefix: '447401',
          segments: 2,
          cost: 0.079,
          currency: 'USD',
        },
      },
      {
        line: 5,
        value: {
          event_id: 'SM003',
          ts: '2024-06-01T10:02:00Z',
          provider: 'twilio',
          country: 'NG',
          segments: 1,
          cost: 12.5,
          currency: 'NGN',
        },
      },
      // Left for validation to name: "segments: must be a whole number".
      {
        line: 6,
        value: {
          event_id: 'SM004',
          ts: '2024-06-01T10:03:00Z',
          provider: 'twilio',
          country: 'GB',
          segments: 'one',
          cost: 0.04,
          currency: 'USD',
        },
      },
    ]);
  });

  it('reads a Twilio-style export: Sid, Date Sent, Price (negative), Price Unit, Num Segments, CRLF', () => {
    const parsed = parseBillingCsv(fixture('billing-twilio-export.csv'));
    expect(parsed.items).toEqual([
      {
        line: 2,
        value: {
          event_id: 'SM101',
          ts: '2024-06-01T10:00:00Z',
          provider: 'twilio',
          country: 'GB',
          cost: 0.0395,
          currency: 'USD',
          segments: 1,
        },
      },
      {
        line: 3,
        value: {
          event_id: 'SM102',
          ts: '2024-06-01T10:01:00Z',
          provider: 'twilio',
          country: 'FR',
          cost: 0.0712,
          currency: 'EUR',
          segments: 2,
        },
      },
    ]);
  });

  it('numbers a record by the line it starts on and rejects a malformed one alone', () => {
    const parsed = parseBillingCsv(fixture('billing-multiline.csv'));
    expect(parsed.items.map((item) => [item.line, item.value.event_id])).toEqual([
      [2, 'SM201'],
      [4, 'SM202'],
    ]);
    expect(parsed.rejected).toEqual([{ line: 5, field: '', reason: expect.stringMatching(/^malformed CSV: /) }]);
  });

  it.each([
    [
      'event_id',
      'ts,provider,country,cost\n2024-06-01T10:00:00Z,twilio,GB,0.04\n',
      ['event_id'],
      /no event_id column \(also accepted: message_id, sid, message_sid\)/,
    ],
    ['cost', 'event_id,ts,provider,country\nSM1,2024-06-01T10:00:00Z,twilio,GB\n', ['cost'], /no cost column \(also accepted: price\)/],
    ['provider and country', 'sid,date_sent,price\nSM1,2024-06-01T10:00:00Z,0.04\n', ['provider', 'country'], /no provider column: add it/],
  ])('rejects the whole file when the header lacks %s', (_name, text, fields, firstReason) => {
    const parsed = parseBillingCsv(text);
    expect(parsed.items).toEqual([]);
    expect(parsed.rejected.map((rejection) => [rejection.line, rejection.field])).toEqual(fields.map((field) => [1, field]));
    expect(parsed.rejected[0]?.reason).toMatch(firstReason);
  });

  it.each([
    ['an empty file', ''],
    ['only blank lines', '\n\n'],
  ])('rejects %s', (_name, text) => {
    expect(parseBillingCsv(text)).toEqual({ items: [], rejected: [{ line: 1, field: '', reason: expect.stringMatching(/empty file/) }] });
  });

  it('accepts a byte-order mark and upper-case headers', () => {
    const parsed = parseBillingCsv('\uFEFFEVENT_ID,TS,PROVIDER,COUNTRY,COST\nSM1,2024-06-01T10:00:00Z,twilio,GB,0.04\n');
    expect(parsed.items).toEqual([
      { line: 2, value: { event_id: 'SM1', ts: '2024-06-01T10:00:00Z', provider: 'twilio', country: 'GB', cost: 0.04 } },
    ]);
  });
});
