import { describe, expect, it } from 'vitest';
import { createHasher, createNormalizer, loadAsnDatabase, type SendRow } from '../src/index.ts';
import { BILLING, NOW_MS, RECEIPT, SEND, VERIFY } from './fixtures/events.ts';

const hasher = createHasher(Buffer.alloc(32, 0x2a));
const asn = loadAsnDatabase();
const normalizer = createNormalizer({ hasher, asn, clock: () => NOW_MS });

function sendRow(overrides: Record<string, unknown>): SendRow {
  const result = normalizer.send({ ...SEND, ...overrides }, 1);
  if (!result.ok) throw new Error(`rejected: ${JSON.stringify(result.rejected)}`);
  return result.row;
}

describe('normalizer.send', () => {
  it('builds the full row: hashes instead of the phone, derived country, prefix, network and USD cost', () => {
    expect(sendRow({})).toEqual({
      event_id: 'evt-send-1',
      ts: Date.UTC(2024, 5, 1, 11, 59),
      app: 'web',
      flow: 'signup',
      session_id: 'sess-1',
      phone_hash: hasher.phone('+447400123456'),
      block_hash: hasher.block('+447400123'),
      country: 'GB',
      prefix: '+44 740',
      number_type: 'mobile',
      ip: '203.0.113.7',
      ip_subnet: '203.0.113.0/24',
      asn: 0,
      asn_org: '',
      asn_hosting: 0,
      channel: 'sms',
      provider: 'twilio',
      message_id: '',
      status: 'accepted',
      cost: 0.04,
      currency: 'GBP',
      cost_usd: 0.04 / 0.791,
      device_id: '',
      user_agent: '',
      session_start: 1,
    });
  });

  it('never puts the raw phone number in the row', () => {
    expect(JSON.stringify(sendRow({}))).not.toContain('7400123456');
  });

  it.each([
    ['asn, org and hosting from an AWS ip', { ip: '52.95.110.1' }, { asn: 16509, asn_org: 'Amazon.com, Inc.', asn_hosting: 1 }],
    [
      'org from the database when the given asn matches the ip',
      { ip: '52.95.110.1', asn: 16509 },
      { asn: 16509, asn_org: 'Amazon.com, Inc.', asn_hosting: 1 },
    ],
    [
      "the given asn and its own org when it differs from the ip's",
      { ip: '1.0.0.1', asn: 24940 },
      { asn: 24940, asn_org: 'Hetzner Online GmbH', asn_hosting: 1 },
    ],
    [
      'a given asn the database does not know, without org',
      { ip: '1.0.0.1', asn: 4_200_000_000 },
      { asn: 4_200_000_000, asn_org: '', asn_hosting: 0 },
    ],
    ['asn 0 for an unrouted ip', { ip: '10.1.2.3' }, { asn: 0, asn_org: '' }],
    ['an IPv6 client in its /64', { ip: '2a01:4f8:0:1::2' }, { ip: '2a01:4f8:0:1::2', ip_subnet: '2a01:4f8:0:1::/64', asn: 24940 }],
    ['a mapped IPv4 client as plain IPv4', { ip: '::ffff:52.95.110.1' }, { ip: '52.95.110.1', ip_subnet: '52.95.110.0/24', asn: 16509 }],
    ['USD when currency is absent', { currency: undefined, cost: 0.05 }, { currency: 'USD', cost_usd: 0.05 }],
    ['the country when it matches', { country: 'GB' }, { country: 'GB' }],
    [
      'the optional fields when present',
      { channel: 'voice', message_id: 'SM1', device_id: 'dev-1', user_agent: 'UA/1.0' },
      { channel: 'voice', message_id: 'SM1', device_id: 'dev-1', user_agent: 'UA/1.0' },
    ],
    ['epoch milliseconds as they are', { ts: NOW_MS - 5 }, { ts: NOW_MS - 5 }],
  ])('fills %s', (_name, overrides, expected) => {
    expect(sendRow(overrides)).toMatchObject(expected);
  });

  it.each([
    ["a country that is not the number's", { country: 'FR' }, 'country', /"FR" does not match the phone number, which is a GB number/],
    ['an unknown country code', { country: 'ZZ' }, 'country', /unknown country code "ZZ"/],
    ['an impossible number', { phone: '+4474001234567' }, 'phone', /wrong length/],
    ['an unknown currency', { currency: 'ABC' }, 'currency', /unsupported currency/],
  ])('rejects %s with its line', (_name, overrides, field, reason) => {
    expect(normalizer.send({ ...SEND, ...overrides }, 7)).toEqual({
      ok: false,
      rejected: [{ line: 7, field, reason: expect.stringMatching(reason) }],
    });
  });

  it('rejects every bad field of an event at once', () => {
    const result = normalizer.send({ ...SEND, flow: 'nope', cost: -1 }, 3);
    expect(result.ok ? [] : result.rejected.map((rejection) => `${rejection.line}:${rejection.field}`)).toEqual(['3:flow', '3:cost']);
  });
});

describe('normalizer.verify', () => {
  it.each([
    [
      'a bare verify, scope left for the ingest layer',
      VERIFY,
      {
        phone_hash: '',
        ip: '',
        ip_subnet: '',
        success: 1,
        send_ts: 0,
        app: 'web',
        flow: '',
        country: '',
        prefix: '',
        asn: 0,
        provider: '',
        session_verified: 1,
      },
    ],
    ['a failed verify', { ...VERIFY, success: false }, { success: 0, session_verified: 0 }],
    [
      'the phone it knows, hashed, with country and prefix',
      { ...VERIFY, phone: '+447400123456' },
      { phone_hash: hasher.phone('+447400123456'), country: 'GB', prefix: '+44 740' },
    ],
    [
      "its ip and subnet, but not its network as the send's",
      { ...VERIFY, ip: '52.95.110.1' },
      { ip: '52.95.110.1', ip_subnet: '52.95.110.0/24', asn: 0 },
    ],
  ])('normalizes %s', (_name, input, expected) => {
    const result = normalizer.verify(input, 1);
    expect(result).toEqual({
      ok: true,
      row: expect.objectContaining({ event_id: 'evt-verify-1', ts: NOW_MS - 30_000, session_id: 'sess-1', ...expected }),
    });
  });

  it('rejects an invalid phone', () => {
    expect(normalizer.verify({ ...VERIFY, phone: '+999123456789' }, 2)).toEqual({
      ok: false,
      rejected: [{ line: 2, field: 'phone', reason: expect.any(String) }],
    });
  });
});

describe('normalizer.billing', () => {
  it.each([
    [
      'a minimal line',
      BILLING,
      {
        prefix: '',
        segments: 1,
        currency: 'USD',
        cost_usd: 0.0395,
        country: 'GB',
        provider: 'twilio',
        app: '',
        flow: '',
        asn: 0,
        send_ts: 0,
      },
    ],
    ['a prefix in the shared convention', { ...BILLING, phone_prefix: '447401' }, { prefix: '+44 740' }],
    [
      'segments and a currency',
      { ...BILLING, segments: 3, cost: 0.933, currency: 'EUR' },
      { segments: 3, cost: 0.933, currency: 'EUR', cost_usd: 1 },
    ],
  ])('normalizes %s', (_name, input, expected) => {
    const result = normalizer.billing(input, 1);
    expect(result).toEqual({
      ok: true,
      row: expect.objectContaining({ event_id: BILLING.event_id, ts: Date.UTC(2024, 5, 1, 11), ...expected }),
    });
  });

  it('rejects a prefix of another country', () => {
    expect(normalizer.billing({ ...BILLING, phone_prefix: '+33612' }, 4)).toEqual({
      ok: false,
      rejected: [{ line: 4, field: 'phone_prefix', reason: expect.stringMatching(/not an international prefix of a GB number/) }],
    });
  });
});

describe('normalizer.receipt', () => {
  it.each([
    [
      'a receipt without event_id, keyed by provider, message and status',
      RECEIPT,
      { event_id: `twilio:${RECEIPT.message_id}:delivered`, error_code: '', phone_hash: '', mcc_mnc: '', country: '', prefix: '' },
    ],
    ['a receipt with its own event_id', { ...RECEIPT, event_id: 'r-1' }, { event_id: 'r-1' }],
    [
      'a receipt with phone, error and network',
      { ...RECEIPT, status: 'undelivered', phone: '+447400123456', error_code: '30003', mcc_mnc: '23410' },
      {
        status: 'undelivered',
        phone_hash: hasher.phone('+447400123456'),
        error_code: '30003',
        mcc_mnc: '23410',
        country: 'GB',
        prefix: '+44 740',
      },
    ],
  ])('normalizes %s', (_name, input, expected) => {
    const result = normalizer.receipt(input, 1);
    expect(result).toEqual({
      ok: true,
      row: expect.objectContaining({
        ts: Date.UTC(2024, 5, 1, 11, 59, 30),
        provider: 'twilio',
        message_id: RECEIPT.message_id,
        send_ts: 0,
        app: '',
        flow: '',
        asn: 0,
        ...expected,
      }),
    });
  });
});

describe('normalizer functions', () => {
  it('work when passed around unbound', () => {
    const { send } = normalizer;
    expect(send(SEND, 1).ok).toBe(true);
  });
});
