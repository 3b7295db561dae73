import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBreakerCache, createTollgateClient, TollgateClientError, type BreakerSnapshot } from '../src/index.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
let baseUrl = '';
const server = createServer((req, res) => handler(req, res));
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

// Tests that expect the server's own answer wait long enough for a loaded machine: the default 150 ms
// budget is for production callers, and a missed budget would read as a fail-open allow here.
const ANSWERED = 30_000;
const request = { app: 'shop', flow: 'login' as const, phone: '+447400123456', ip: '203.0.113.7' };
const json =
  (status: number, body: unknown): Handler =>
  (_req, res) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };

describe('decide()', () => {
  it('returns the server decision and sends the key', async () => {
    let auth = '';
    handler = (req, res) => {
      auth = String(req.headers.authorization);
      json(200, { decision: 'challenge', reasons: [{ code: 'velocity_phone', detail: 'x' }], breakers: [], retry_after_s: 30 })(req, res);
    };
    const client = createTollgateClient({ baseUrl, apiKey: 'k1', failMode: 'open', timeoutMs: ANSWERED });
    expect(await client.decide(request)).toEqual({
      decision: 'challenge',
      reasons: [{ code: 'velocity_phone', detail: 'x' }],
      breakers: [],
      retry_after_s: 30,
    });
    expect(auth).toBe('Bearer k1');
  });

  it.each([
    ['open', 'allow', 'TG_CLIENT_FAIL_OPEN'],
    ['closed', 'block', 'TG_CLIENT_FAIL_CLOSED'],
  ] as const)('answers with fail-%s when the server is too slow, errs or refuses', async (failMode, decision, code) => {
    const client = createTollgateClient({ baseUrl, apiKey: 'k', failMode, timeoutMs: 100 });
    handler = () => undefined; // never answers
    expect(await client.decide(request)).toMatchObject({ decision, degraded: true, reasons: [{ code }] });
    handler = json(500, { error: { code: 'TG_INTERNAL' } });
    expect(await client.decide(request)).toMatchObject({ decision, degraded: true });
    handler = json(429, { error: { code: 'TG_OVERLOADED' } });
    expect(await client.decide(request)).toMatchObject({ decision, degraded: true });
    const refused = createTollgateClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', failMode, timeoutMs: 500 });
    expect(await refused.decide(request)).toMatchObject({ decision, degraded: true });
  });

  it('sends verify questions and returns the risk score and challenge kind of sends', async () => {
    const bodies: unknown[] = [];
    const answer = {
      decision: 'challenge',
      reasons: [{ code: 'risk_medium', detail: 'risk score 47 >= 40 (medium) for shop login' }],
      breakers: [],
      challenge: 'captcha',
      risk: { score: 47, tier: 'medium', signals: [{ name: 'hosting_network', value: 1, weight: 35, detail: 'hosting' }] },
    };
    handler = (req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        json(200, answer)(req, res);
      });
    };
    const client = createTollgateClient({ baseUrl, apiKey: 'k', failMode: 'open', timeoutMs: ANSWERED });
    const sent = await client.decide({
      ...request,
      account_id: 'user-1',
      user_agent: 'Mozilla/5.0',
      timezone: 'Europe/London',
      platform: 'web',
    });
    expect(sent.risk?.tier).toBe('medium');
    expect(sent.challenge).toBe('captcha');
    await client.decide({ action: 'verify', app: 'shop', flow: 'login', session_id: 's-1', ip: '203.0.113.7' });
    expect(bodies).toEqual([
      { ...request, account_id: 'user-1', user_agent: 'Mozilla/5.0', timezone: 'Europe/London', platform: 'web' },
      { action: 'verify', app: 'shop', flow: 'login', session_id: 's-1', ip: '203.0.113.7' },
    ]);
  });

  it("rejects the caller's mistakes with the code and field", async () => {
    handler = json(400, { error: { code: 'TG_REQUEST_INVALID', message: 'phone: not valid', field: 'phone' } });
    const client = createTollgateClient({ baseUrl, apiKey: 'k', failMode: 'open', timeoutMs: ANSWERED });
    const error = await client.decide(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateClientError);
    expect(error).toMatchObject({ code: 'TG_REQUEST_INVALID', status: 400, field: 'phone' });
  });
});

const snapshot: BreakerSnapshot = {
  version: 3,
  generated_at: 0,
  breakers: [
    { id: 'b-prefix', scope: { prefix: '+998 901' }, action: 'block', mode: 'enforce', state: 'open', probe_share: 0.05, expires_at: null },
    { id: 'b-asn', scope: { asn: 14061 }, action: 'challenge', mode: 'enforce', state: 'open', probe_share: 0.05, expires_at: null },
    { id: 'b-shadow', scope: { country: 'GB' }, action: 'block', mode: 'shadow', state: 'open', probe_share: 0.05, expires_at: null },
    { id: 'b-expired', scope: { country: 'FR' }, action: 'block', mode: 'enforce', state: 'open', probe_share: 0.05, expires_at: 1_000 },
    {
      id: 'b-app',
      scope: { app: 'bank', flow: 'recovery' },
      action: 'block',
      mode: 'enforce',
      state: 'open',
      probe_share: 0.05,
      expires_at: null,
    },
    { id: 'b-probe', scope: { country: 'KG' }, action: 'block', mode: 'enforce', state: 'half_open', probe_share: 0.05, expires_at: null },
  ],
};

describe('local breaker cache', () => {
  const clock = { now: 10_000 };
  let cache: ReturnType<typeof createBreakerCache>;
  beforeAll(async () => {
    cache = createBreakerCache({ baseUrl, apiKey: 'k', clock: () => clock.now, staleAfterMs: 30_000 });
    handler = json(200, snapshot);
    expect(await cache.refresh()).toBe(true);
  });

  it.each([
    ['a blocked prefix', { app: 'shop', flow: 'login', country: 'UZ', prefix: '+998 901' }, 'block', ['b-prefix']],
    ['a challenged ASN', { app: 'shop', flow: 'login', country: 'US', prefix: '+1 415', asn: 14061 }, 'challenge', ['b-asn']],
    [
      'block beats challenge',
      { app: 'shop', flow: 'login', country: 'UZ', prefix: '+998 901', asn: 14061 },
      'block',
      ['b-prefix', 'b-asn'],
    ],
    ['a shadow breaker changes nothing', { app: 'shop', flow: 'login', country: 'GB', prefix: '+44 740' }, 'allow', []],
    ['an expired breaker is ignored', { app: 'shop', flow: 'login', country: 'FR', prefix: '+33 612' }, 'allow', []],
    ['app and flow must both match', { app: 'bank', flow: 'recovery', country: 'US', prefix: '+1 415' }, 'block', ['b-app']],
    ['the other flow of that app passes', { app: 'bank', flow: 'login', country: 'US', prefix: '+1 415' }, 'allow', []],
    ['a probing breaker is left to the server', { app: 'shop', flow: 'login', country: 'KG', prefix: '+996 555' }, 'allow', []],
  ])('%s', (_name, req, decision, breakers) => {
    const result = cache.decideLocally(req);
    expect(result.decision).toBe(decision);
    expect([...result.breakers].sort()).toEqual([...breakers].sort());
    expect(result.stale).toBe(false);
  });

  it('applies a webhook at once and reports staleness when refreshes stop', () => {
    cache.applyWebhook({
      id: 'e',
      type: 'breaker.closed',
      created_at: 0,
      data: { breaker: { ...snapshot.breakers[0]!, state: 'closed' } },
    });
    expect(cache.decideLocally({ app: 'shop', flow: 'login', country: 'UZ', prefix: '+998 901' }).decision).toBe('allow');
    clock.now += 31_000;
    expect(cache.decideLocally({ app: 'shop', flow: 'login', country: 'UZ', prefix: '+998 901' }).stale).toBe(true);
  });
});
