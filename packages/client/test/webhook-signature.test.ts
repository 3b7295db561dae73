import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature } from '../src/index.ts';

/** The known answer published in docs/event-contract.md for receivers written in other languages. */
function documentedVector(): { secret: string; t: number; body: string; header: string } {
  const doc = readFileSync(new URL('../../../docs/event-contract.md', import.meta.url), 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s+(.+)$`, 'm').exec(doc)?.[1] ?? '';
  return { secret: field('secret'), t: Number(field('t')), body: field('body'), header: field('header') };
}

const secret = 'whsec_test';
const body = '{"id":"e1","type":"breaker.opened"}';
const now = 1_795_000_000;
const header = signWebhook(secret, body, now);

describe('webhook signatures', () => {
  it('signs the known answer of docs/event-contract.md (computed there with openssl) and accepts it', () => {
    const vector = documentedVector();
    expect(vector.header).toBe('t=1795000000,v1=6164b225abb8e784c8e10467e6442bc09247aa5904c75b2dcbc266031d4e84b5');
    expect(signWebhook(vector.secret, vector.body, vector.t)).toBe(vector.header);
    expect(verifyWebhookSignature({ secret: vector.secret, header: vector.header, rawBody: vector.body, nowS: vector.t })).toEqual({
      ok: true,
    });
  });

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
    expect(verifyWebhookSignature({ secret, header: `t=${now},${other},${header.split(',')[1]}`, rawBody: body, nowS: now })).toEqual({
      ok: true,
    });
  });

  it('stays within tolerance at exactly 5 minutes', () => {
    expect(verifyWebhookSignature({ secret, header, rawBody: body, nowS: now + 300 })).toEqual({ ok: true });
  });
});
