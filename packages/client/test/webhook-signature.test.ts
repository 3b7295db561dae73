import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../src/index.ts';

const secret = 'whsec_test';
const body = '{"id":"e1","type":"breaker.opened"}';
const now = 1_795_000_000;
const header = signWebhook(secret, body, now);

describe('webhook signatures', () => {
  it('verifies its own signature', () => {
    expect(header).toMatch(/^t=1795000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ secret, header, rawBody: body, nowS: now })).toEqual({ ok: true });
  });

  it.each([
    ['a tampered body', { rawBody: body.replace('opened', 'closed') }, 'mismatch'],
    ['another secret', { secret: 'whsec_other' }, 'mismatch'],
    ['a replay after 5 minutes', { nowS: now + 301 }, 'expired'],
    ['a clock 5 minutes behind the sender', { nowS: now - 301 }, 'future'],
    ['no header', { header: undefined }, 'malformed'],
    ['an empty header', { header: '' }, 'malformed'],
    ['no timestamp', { header: header.replace(/^t=\d+,/, '') }, 'malformed'],
    ['no v1', { header: `t=${now}` }, 'malformed'],
    ['a non-hex v1', { header: `t=${now},v1=${'z'.repeat(64)}` }, 'malformed'],
    ['a short v1', { header: `t=${now},v1=abcd` }, 'malformed'],
    ['two timestamps', { header: `t=${now},${header}` }, 'malformed'],
    ['a non-numeric timestamp', { header: header.replace(/^t=\d+/, 't=soon') }, 'malformed'],
  ])('refuses %s', (_name, change, reason) => {
    expect(verifyWebhookSignature({ secret, header, rawBody: body, nowS: now, ...change })).toEqual({ ok: false, reason });
  });

  it('accepts any one of several v1 entries (secret rotation)', () => {
    const other = signWebhook('whsec_old', body, now).split(',')[1];
    expect(verifyWebhookSignature({ secret, header: `${header},${other}`, rawBody: body, nowS: now })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ secret, header: `t=${now},${other},${header.split(',')[1]}`, rawBody: body, nowS: now })).toEqual({ ok: true });
  });

  it('stays within tolerance at exactly 5 minutes', () => {
    expect(verifyWebhookSignature({ secret, header, rawBody: body, nowS: now + 300 })).toEqual({ ok: true });
  });
});
