import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendRow, VerifyRow } from '@tollgate/events';
import { insertRows } from '@tollgate/store';
import { readScopeStats } from '@tollgate/breakers';
import { openTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await openTestServer('decide-risk');
});
afterAll(() => server.close());

let next = 0;
/** A send request from a home connection with every device field, new phone, IP and session each time. */
function send(extra: Record<string, unknown> = {}) {
  const n = next++;
  return {
    app: 'shop',
    flow: 'signup',
    phone: `+4474009${String(10_000 + n).slice(-5)}`,
    ip: `81.2.69.${n % 250}`,
    session_id: `risk-${n}`,
    device_id: `device-${n}`,
    user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1',
    timezone: 'Europe/London',
    platform: 'ios',
    ...extra,
  };
}

async function decide(body: Record<string, unknown>) {
  return server.app.inject({ method: 'POST', url: '/v1/decide', headers: server.auth('decide'), payload: body });
}

describe('POST /v1/decide: the risk score', () => {
  it('allows a clean send with a score of 0 and no signals', async () => {
    const res = await decide(send());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ decision: 'allow', reasons: [], breakers: [], risk: { score: 0, tier: 'low', signals: [] } });
  });

  it('blocks a scripted client on a hosting network, with the signals, weights and reason', async () => {
    const res = await decide({
      ...send(),
      ip: '3.5.140.1',
      user_agent: 'python-requests/2.31.0',
      device_id: undefined,
      timezone: undefined,
      platform: undefined,
    });
    const body = res.json();
    expect(body.decision).toBe('block');
    expect(body.risk).toEqual({
      score: 81,
      tier: 'high',
      signals: [
        { name: 'hosting_network', value: 1, weight: 35, detail: expect.stringContaining('AS16509') },
        { name: 'device_missing', value: 0.75, weight: 8, detail: expect.any(String) },
        { name: 'automation_client', value: 1, weight: 40, detail: expect.stringContaining('python-requests') },
      ],
    });
    expect(body.reasons).toContainEqual({ code: 'risk_high', detail: 'risk score 81 >= 70 (high) for shop signup' });
  });

  it('challenges a medium score with the kind of friction its flow asks for', async () => {
    const spoofed = { ip: '5.9.0.1', device_id: undefined, timezone: undefined, platform: undefined };
    expect((await decide({ ...send(), ...spoofed })).json()).toMatchObject({
      decision: 'challenge',
      challenge: 'captcha',
      risk: { tier: 'medium' },
    });
    expect((await decide({ ...send({ flow: 'recovery' }), ...spoofed })).json()).toMatchObject({
      decision: 'challenge',
      challenge: 'email_code',
      risk: { tier: 'medium' },
    });
  });

  it('counts one device asking for many phones', async () => {
    let last;
    for (let i = 0; i < 5; i++) last = (await decide(send({ device_id: 'shared-tablet' }))).json();
    expect(last.risk.signals).toContainEqual({
      name: 'device_many_numbers',
      value: 1,
      weight: 30,
      detail: '5 distinct phones asked for from this device lately',
    });
  });
});

describe('POST /v1/decide: account limits', () => {
  it('blocks the 6th send in an hour for one account, across phones, IPs and sessions', async () => {
    const decisions = [];
    for (let i = 0; i < 6; i++) decisions.push((await decide(send({ account_id: 'user-42@example.com' }))).json());
    expect(decisions.slice(0, 5).map((d) => d.decision)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow']);
    expect(decisions[5]).toMatchObject({
      decision: 'block',
      reasons: [{ code: 'velocity_account_hour' }],
      retry_after_s: expect.any(Number),
    });
    expect((await decide(send({ account_id: 'user-43@example.com' }))).json().decision).toBe('allow');
  });
});

describe('POST /v1/decide: verify attempts', () => {
  const attempt = (session: string, extra: Record<string, unknown> = {}) =>
    decide({ action: 'verify', app: 'shop', flow: 'login', session_id: session, ip: '81.2.69.200', ...extra });

  it('backs a session off after two attempts and says when to retry', async () => {
    expect((await attempt('v-1')).json()).toEqual({ decision: 'allow', reasons: [], breakers: [] });
    expect((await attempt('v-1')).json().decision).toBe('allow');
    expect((await attempt('v-1')).json()).toMatchObject({ decision: 'block', reasons: [{ code: 'verify_session' }], retry_after_s: 1 });
  });

  it('learns failures on a phone from the verify events the collectors store', async () => {
    const phone = '+447400900555';
    const failures = Array.from({ length: 3 }, (_, i) => ({
      event_id: `risk-fail-${i}`,
      ts: Date.now(),
      app: 'shop',
      session_id: `guess-${i}`,
      phone,
      ip: `198.51.100.${i}`,
      success: false,
    }));
    const ingest = await server.app.inject({ method: 'POST', url: '/v1/events/verify', headers: server.auth('ingest'), payload: failures });
    expect(ingest.json()).toMatchObject({ accepted: 3 });
    const answer = (await attempt('guess-3', { phone, ip: '198.51.100.77' })).json();
    expect(answer).toMatchObject({ decision: 'block', reasons: [{ code: 'verify_phone' }], retry_after_s: 2 });
    // The same batch sent again (a client retry) changes nothing.
    await server.app.inject({ method: 'POST', url: '/v1/events/verify', headers: server.auth('ingest'), payload: failures });
    expect((await attempt('guess-4', { phone, ip: '198.51.100.78' })).json().retry_after_s).toBe(2);
  });

  it('needs a session id', async () => {
    const res = await decide({ action: 'verify', app: 'shop', flow: 'login', ip: '81.2.69.1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'TG_REQUEST_INVALID', field: 'session_id' });
  });
});

describe('the per-scope statistics behind the score', () => {
  it('reads prefix and ASN conversion against the baseline, the price, and busy number blocks', async () => {
    const nowMs = Date.parse('2026-11-25T12:00:00Z');
    const row = (i: number, ts: number, prefix: string, block: string): SendRow => ({
      event_id: `stat-${i}`,
      ts,
      app: 'shop',
      flow: 'signup',
      session_id: `stat-s-${i}`,
      phone_hash: `stat-p-${i}`,
      block_hash: block,
      country: 'GB',
      prefix,
      number_type: 'mobile',
      ip: '81.2.69.9',
      ip_subnet: '81.2.69.0/24',
      asn: 20712,
      asn_org: 'Andrews & Arnold Ltd',
      asn_hosting: 0,
      channel: 'sms',
      provider: 'twilio',
      message_id: '',
      status: 'accepted',
      cost: 0.3,
      currency: 'USD',
      cost_usd: 0.3,
      device_id: '',
      user_agent: '',
      session_start: 1,
    });
    const sends = [
      // Baseline: two days ago, 40 sessions, 36 verified.
      ...Array.from({ length: 40 }, (_, i) => row(i, nowMs - 2 * 86_400_000 + i * 1000, '+44 740', `b-old-${i}`)),
      // Recent: half an hour ago, 30 sessions, none verified.
      ...Array.from({ length: 30 }, (_, i) => row(100 + i, nowMs - 30 * 60_000 + i * 1000, '+44 740', `b-new-${i}`)),
      // The last 5 minutes: 12 numbers of one block (too young to count for conversion).
      ...Array.from({ length: 12 }, (_, i) => row(200 + i, nowMs - 5 * 60_000 + i * 1000, '+44 741', 'b-hot')),
    ];
    await insertRows(server.core.store, 'send', sends);
    const verified = sends.slice(0, 36).map((send, i): VerifyRow => ({
      event_id: `stat-v-${i}`,
      ts: send.ts + 20_000,
      app: 'shop',
      session_id: send.session_id,
      phone_hash: send.phone_hash,
      ip: send.ip,
      ip_subnet: send.ip_subnet,
      success: 1,
      send_ts: send.ts,
      flow: 'signup',
      country: 'GB',
      prefix: '+44 740',
      asn: 20712,
      provider: 'twilio',
      session_verified: 1,
    }));
    await insertRows(server.core.store, 'verify', verified);
    const stats = await readScopeStats(server.core.store, nowMs);
    expect(stats.prefix.get('+44 740')).toEqual({
      recentSessions: 30,
      recentVerified: 0,
      baselineSessions: 40,
      baselineVerified: 36,
      priceUsd: expect.closeTo(0.3, 6),
    });
    expect(stats.asn.get(20712)).toMatchObject({ recentSessions: 30, baselineVerified: 36 });
    expect(stats.blocks.get('b-hot')).toBe(12);
    expect(stats.blocks.has('b-new-20')).toBe(false);
  });
});

describe('the OpenAPI document', () => {
  it('describes the verify action, the account and device fields, the risk score and the challenge kind', async () => {
    const doc = (await server.app.inject({ url: '/docs/json' })).json();
    const decide = doc.paths['/v1/decide'].post;
    const body = decide.requestBody.content['application/json'].schema;
    expect(body.properties.action.enum).toEqual(['send', 'verify']);
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['account_id', 'device_id', 'user_agent', 'timezone', 'platform']));
    const answer = decide.responses['200'].content['application/json'].schema;
    expect(answer.properties.challenge.enum).toEqual(['captcha', 'email_code', 'slower_cooldown']);
    expect(answer.properties.risk.properties.tier.enum).toEqual(['low', 'medium', 'high']);
    expect(answer.properties.risk.properties.signals.items.required).toEqual(['name', 'value', 'weight', 'detail']);
    expect(doc.paths['/v1/policy/backtest'].post.requestBody.content['application/json'].schema.required).toEqual(['policy']);
  });
});
