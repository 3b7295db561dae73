/**
 * The provider proxy end to end: Twilio's and Vonage's official SDKs pointed at Tollgate listening
 * on loopback, a local server standing in for the providers, the real store. What reaches the
 * provider, what the SDK sees, and what the store keeps.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { Vonage } from '@vonage/server-sdk';
import { createEgressGuard, parseEgressAllow } from '@tollgate/egress';
import { OPERATIONS, parseProxyFile, type ProxyConfig } from '@tollgate/proxy';
import { saveRateCards } from '@tollgate/store';
import { createProxyRuntime, type ProxyRuntime } from '../src/proxy-runtime.ts';
import { openTestServer, type TestServer } from './support/test-server.ts';
import { RIGHT_CODE, startProviderStandIn, type ProviderStandIn } from './support/provider-stand-in.ts';

const SERVICE = `VA${'a'.repeat(32)}`;
const SERVICE_HANDLING_CHALLENGES = `VA${'b'.repeat(32)}`;
const ACCOUNT = `AC${'c'.repeat(32)}`;
const AUTH_TOKEN = 'twilio-auth-token-never-stored';
const VONAGE_KEY = 'a1b2c3d4';
const VONAGE_SECRET = 'vonage-secret-never-stored';
const VONAGE_APP = 'c0ffee00-0000-4000-8000-000000000001';
const GB_PRICE_USD = 0.0415;
const WAIT_DEADLINE_MS = 15_000;
const WAIT_POLL_MS = 50;
/** The proxy's provider timeout here: short, so the slow-provider case ends quickly, yet long enough for a busy machine to deliver the request. */
const TIMEOUT_MS = 1_000;

const config: ProxyConfig = (() => {
  const path = new URL('./fixtures/proxy.fixture.yaml', import.meta.url);
  const parsed = parseProxyFile(readFileSync(path, 'utf8'), path.pathname);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
})();

let server: TestServer;
let standIn: ProviderStandIn;
let proxy: ProxyRuntime;
let base: string;
let callbacks: { body: string; headers: Record<string, unknown> }[];
let callbackServer: Server;
let callbackUrl: string;

/** A GB mobile number of its own per test, so velocity limits of one test do not reach another. */
let numbers = 0;
const gbNumber = () => `+4474001${String(20_000 + ++numbers).slice(-5)}`;

beforeAll(async () => {
  standIn = await startProviderStandIn();
  const upstreams = {
    TOLLGATE_UPSTREAM_TWILIO_VERIFY: standIn.url,
    TOLLGATE_UPSTREAM_TWILIO_API: standIn.url,
    TOLLGATE_UPSTREAM_VONAGE_API: standIn.url,
    TOLLGATE_UPSTREAM_VONAGE_REST: standIn.url,
  };
  server = await openTestServer('provider-proxy', {
    proxy: (core) =>
      (proxy = createProxyRuntime({
        store: core.store,
        config,
        env: upstreams,
        relayOptions: { timeoutMs: TIMEOUT_MS },
        onError: (error) => {
          throw error;
        },
      })),
  });
  const now = Date.now();
  await saveRateCards(server.core.store, [
    {
      provider: 'twilio',
      country: 'GB',
      effective_from: now - (now % 3_600_000) - 3_600_000,
      price_usd: GB_PRICE_USD,
      price: GB_PRICE_USD,
      currency: 'USD',
      source: 'test',
      imported_at: now,
    },
  ]);
  await proxy.refreshPrices();
  base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  callbacks = [];
  callbackServer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      callbacks.push({ body, headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/sms/status`;
});

afterAll(async () => {
  await server?.close();
  await standIn?.close();
  callbackServer?.closeAllConnections();
  await new Promise((resolve) => callbackServer?.close(resolve));
});

/** The Twilio SDK with its Verify and API base URLs pointed at Tollgate: the change a service makes. */
function twilioClient() {
  const client = twilio(ACCOUNT, AUTH_TOKEN);
  client.verify.baseUrl = `${base}/twilio/verify`;
  client.api.baseUrl = `${base}/twilio/api`;
  return client;
}

async function waitFor<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_DEADLINE_MS;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not there after ${WAIT_DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

async function rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
  const rs = await server.core.store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

const sendRow = (sessionId: string) =>
  waitFor(
    `send ${sessionId}`,
    async () =>
      (
        await rows<{
          app: string;
          flow: string;
          provider: string;
          message_id: string;
          status: string;
          cost_usd: number;
          country: string;
          ip: string;
        }>('SELECT app, flow, provider, message_id, status, cost_usd, country, ip FROM sends_raw WHERE session_id = {session:String}', {
          session: sessionId,
        })
      )[0],
  );

const heardSince = (count: number) => standIn.heard.slice(count);

/** Raw HTTP to the proxy, for what the SDKs do not show (headers). */
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  });

async function trip(scope: Record<string, unknown>, action: 'block' | 'challenge'): Promise<string> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/v1/breakers',
    payload: { scope, action, note: 'proxy test' },
    headers: server.auth('operate'),
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

describe('Twilio Verify through the proxy', () => {
  it("relays a create with the caller's own credentials, passes the answer back and records a send priced from the rate card", async () => {
    const before = standIn.heard.length;
    const phone = gbNumber();
    const verification = await twilioClient().verify.v2.services(SERVICE).verifications.create({ to: phone, channel: 'sms' });
    expect(verification.sid).toMatch(/^VE/);
    expect(verification.status).toBe('pending');
    const [heard] = heardSince(before);
    expect(heard).toMatchObject({ method: 'POST', url: `/v2/Services/${SERVICE}/Verifications` });
    expect(heard!.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`);
    expect(new URLSearchParams(heard!.body).get('To')).toBe(phone);
    const send = await sendRow(verification.sid);
    expect(send).toMatchObject({ app: 'proxy-shop', flow: 'signup', provider: 'twilio', status: 'accepted', country: 'GB', ip: '0.0.0.0' });
    expect(send.message_id).toMatch(/^VL/);
    expect(send.cost_usd).toBeCloseTo(GB_PRICE_USD, 6);
  });

  it('records each check as a verify event with its outcome', async () => {
    const client = twilioClient();
    const phone = gbNumber();
    const verification = await client.verify.v2.services(SERVICE).verifications.create({ to: phone, channel: 'sms' });
    const wrong = await client.verify.v2.services(SERVICE).verificationChecks.create({ verificationSid: verification.sid, code: '000000' });
    expect(wrong.status).toBe('pending');
    const right = await client.verify.v2
      .services(SERVICE)
      .verificationChecks.create({ verificationSid: verification.sid, code: RIGHT_CODE });
    expect(right.status).toBe('approved');
    const outcomes = await waitFor('two verify events', async () => {
      const found = await rows<{ success: number }>(
        'SELECT success FROM verifies_raw WHERE session_id = {session:String} ORDER BY ts, success',
        { session: verification.sid },
      );
      return found.length === 2 ? found : undefined;
    });
    expect(outcomes.map((o) => Number(o.success)).sort()).toEqual([0, 1]);
  });

  it('shows proxied sessions and their conversion in the traffic view like any other', async () => {
    // step_up is this test's own flow of the app: no other test sends in it.
    const headers = { 'x-tollgate-flow': 'step_up' };
    const phone = gbNumber();
    const created = await post(`/twilio/verify/v2/Services/${SERVICE}/Verifications`, { To: phone, Channel: 'sms' }, headers);
    const { sid } = (await created.json()) as { sid: string };
    const checked = await post(`/twilio/verify/v2/Services/${SERVICE}/VerificationCheck`, { To: phone, Code: RIGHT_CODE }, headers);
    expect(((await checked.json()) as { status: string }).status).toBe('approved');
    const from = Date.now() - 3_600_000;
    const point = await waitFor('a verified session in the traffic view', async () => {
      const res = await server.app.inject({
        url: `/v1/metrics/traffic?from=${from}&interval=1d&app=proxy-shop&flow=step_up&fields=sends,sessions,verified_sessions,conversion`,
        headers: server.auth('read'),
      });
      const found = (
        res.json() as { series: { points: { sends: number; sessions: number; verified_sessions: number; conversion: number | null }[] }[] }
      ).series.flatMap((s) => s.points)[0];
      return found !== undefined && found.verified_sessions === 1 ? found : undefined;
    });
    expect(point).toEqual(expect.objectContaining({ sends: 1, sessions: 1, verified_sessions: 1, conversion: 1 }));
    expect(await sendRow(sid)).toMatchObject({ flow: 'step_up' });
  });

  it('relays a code sent by email without deciding on it: there is no number and no carrier fee', async () => {
    const before = standIn.heard.length;
    const res = await post(`/twilio/verify/v2/Services/${SERVICE}/Verifications`, { To: 'user@example.com', Channel: 'email' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-tollgate-decision')).toBeNull();
    const check = await post(`/twilio/verify/v2/Services/${SERVICE}/VerificationCheck`, { To: 'user@example.com', Code: RIGHT_CODE });
    expect(((await check.json()) as { status: string }).status).toBe('approved');
    expect(heardSince(before)).toHaveLength(2);
  });

  it('relays a fetch of a verification without deciding or recording it', async () => {
    const before = standIn.heard.length;
    const fetched = await twilioClient()
      .verify.v2.services(SERVICE)
      .verifications(`VE${'9'.repeat(32)}`)
      .fetch();
    expect(fetched.sid).toBe(`VE${'9'.repeat(32)}`);
    expect(heardSince(before)).toHaveLength(1);
  });
});

describe('the OpenAPI document', () => {
  it('describes every proxy route', async () => {
    const res = await server.app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys((res.json() as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/twilio/verify/v2/Services/{serviceSid}/Verifications',
        '/twilio/verify/v2/Services/{serviceSid}/VerificationCheck',
        '/twilio/verify/v2/Services/{serviceSid}/Verifications/{sid}',
        '/twilio/api/2010-04-01/Accounts/{accountSid}/Messages.json',
        '/vonage/v2/verify',
        '/vonage/v2/verify/{requestId}',
        '/vonage/sms/json',
        '/twilio/status-callback',
      ]),
    );
  });

  it('names the headers a proxied create reads', async () => {
    const res = await server.app.inject({ url: '/docs/json' });
    const document = res.json() as { paths: Record<string, Record<string, { description?: string }>> };
    const description = document.paths['/twilio/verify/v2/Services/{serviceSid}/Verifications']?.post?.description ?? '';
    for (const header of [
      'X-Tollgate-Flow',
      'X-Tollgate-Client-Ip',
      'X-Tollgate-Account-Id',
      'X-Tollgate-Device-Id',
      'X-Tollgate-User-Agent',
      'X-Tollgate-Timezone',
      'X-Tollgate-Platform',
    ])
      expect(description).toContain(header);
  });
});

describe('who may use the proxy', () => {
  const FORM_TYPE = 'application/x-www-form-urlencoded';
  const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
  const UNKNOWN_SERVICE = `VA${'e'.repeat(32)}`;
  const UNKNOWN_ACCOUNT = `AC${'e'.repeat(32)}`;
  const twilioForm = new URLSearchParams({
    To: '+447400130001',
    Channel: 'sms',
    Code: '123456',
    Body: 'hi',
    From: '+15005550006',
  }).toString();
  const vonageJson = JSON.stringify({ brand: 'Shop', workflow: [{ channel: 'sms', to: '447400130001' }], code: '123456' });
  /** Every proxy route: the request a known caller would make, and the same from a caller proxy.yaml does not list. */
  const ROUTES: { method: 'GET' | 'POST'; path: string; unknownPath: string; body?: string; type?: string; unknownAuth: string }[] = [
    {
      method: 'POST',
      path: `/twilio/verify/v2/Services/${SERVICE}/Verifications`,
      unknownPath: `/twilio/verify/v2/Services/${UNKNOWN_SERVICE}/Verifications`,
      body: twilioForm,
      type: FORM_TYPE,
      unknownAuth: basic(ACCOUNT, AUTH_TOKEN),
    },
    {
      method: 'POST',
      path: `/twilio/verify/v2/Services/${SERVICE}/VerificationCheck`,
      unknownPath: `/twilio/verify/v2/Services/${UNKNOWN_SERVICE}/VerificationCheck`,
      body: twilioForm,
      type: FORM_TYPE,
      unknownAuth: basic(ACCOUNT, AUTH_TOKEN),
    },
    {
      method: 'GET',
      path: `/twilio/verify/v2/Services/${SERVICE}/Verifications/VE${'1'.repeat(32)}`,
      unknownPath: `/twilio/verify/v2/Services/${UNKNOWN_SERVICE}/Verifications/VE${'1'.repeat(32)}`,
      unknownAuth: basic(ACCOUNT, AUTH_TOKEN),
    },
    {
      method: 'POST',
      path: `/twilio/api/2010-04-01/Accounts/${ACCOUNT}/Messages.json`,
      unknownPath: `/twilio/api/2010-04-01/Accounts/${UNKNOWN_ACCOUNT}/Messages.json`,
      body: twilioForm,
      type: FORM_TYPE,
      unknownAuth: basic(UNKNOWN_ACCOUNT, AUTH_TOKEN),
    },
    {
      method: 'POST',
      path: '/vonage/v2/verify',
      unknownPath: '/vonage/v2/verify',
      body: vonageJson,
      type: 'application/json',
      unknownAuth: basic('ffff0000', VONAGE_SECRET),
    },
    {
      method: 'POST',
      path: '/vonage/v2/verify/c11236f4-00bf-4b89-84ba-000000000001',
      unknownPath: '/vonage/v2/verify/c11236f4-00bf-4b89-84ba-000000000001',
      body: vonageJson,
      type: 'application/json',
      unknownAuth: basic('ffff0000', VONAGE_SECRET),
    },
    {
      method: 'POST',
      path: '/vonage/sms/json',
      unknownPath: '/vonage/sms/json',
      body: 'to=447400130001&from=Shop&text=hi',
      type: FORM_TYPE,
      unknownAuth: basic('ffff0000', VONAGE_SECRET),
    },
  ];

  it.each(ROUTES)('$method $path: without credentials 401, from an unlisted caller 403, neither relayed', async (route) => {
    const before = standIn.heard.length;
    const call = (path: string, headers: Record<string, string>) =>
      fetch(`${base}${path}`, {
        method: route.method,
        headers: { ...(route.type && { 'content-type': route.type }), ...headers },
        ...(route.body !== undefined && { body: route.body }),
      });
    const anonymous = await call(route.path, {});
    expect(anonymous.status).toBe(401);
    const unknown = await call(route.unknownPath, { authorization: route.unknownAuth });
    expect(unknown.status).toBe(403);
    expect(heardSince(before)).toEqual([]);
  });

  it.each([
    ['an unknown Verify service', `/twilio/verify/v2/Services/VA${'e'.repeat(32)}/Verifications`, 20403, 'twilio.services'],
    ['an unknown account', `/twilio/api/2010-04-01/Accounts/AC${'e'.repeat(32)}/Messages.json`, 20403, 'twilio.accounts'],
  ])("refuses %s with 403 in Twilio's shape and never relays it", async (_label, path, code, listPath) => {
    const before = standIn.heard.length;
    const res = await post(path, { To: gbNumber(), Channel: 'sms', Body: 'hi', From: '+15005550006' });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { code: number; message: string; status: number };
    expect(body).toMatchObject({ code, status: 403 });
    expect(body.message).toContain(listPath);
    expect(Object.keys(body).sort()).toEqual(['code', 'message', 'more_info', 'status']);
    expect(heardSince(before)).toEqual([]);
  });

  it.each([
    ['a user that is no account or API key SID', basic('shop-backend', AUTH_TOKEN), /account SID \(AC\.\.\.\) or an API key SID/],
    ['an account SID without its token', basic(ACCOUNT, ''), /No credentials/],
  ])("refuses %s with 401 in Twilio's shape, undecided and never relayed", async (_label, authorization, message) => {
    const before = standIn.heard.length;
    const res = await post(`/twilio/verify/v2/Services/${SERVICE}/Verifications`, { To: gbNumber(), Channel: 'sms' }, { authorization });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-tollgate-decision')).toBeNull();
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(20003);
    expect(body.message).toMatch(message);
    expect(heardSince(before)).toEqual([]);
  });

  it('refuses an unknown Vonage API key with 403 and never relays it', async () => {
    const before = standIn.heard.length;
    const vonage = new Vonage({ apiKey: 'ffff0000', apiSecret: VONAGE_SECRET }, { restHost: `${base}/vonage` });
    const error = await vonage.sms.send({ to: gbNumber().slice(1), from: 'Shop', text: 'hi' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as { response?: { status: number } }).response?.status).toBe(403);
    expect(heardSince(before)).toEqual([]);
  });

  it('refuses a call without credentials with 401 and never relays it', async () => {
    const before = standIn.heard.length;
    const res = await fetch(`${base}/twilio/verify/v2/Services/${SERVICE}/Verifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: gbNumber(), Channel: 'sms' }).toString(),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: number }).code).toBe(20003);
    expect(heardSince(before)).toEqual([]);
  });

  it('refuses a bad X-Tollgate-Flow or X-Tollgate-Client-Ip with 400 naming the header', async () => {
    for (const [header, value] of [
      ['x-tollgate-flow', 'checkout'],
      ['x-tollgate-client-ip', 'not-an-ip'],
    ] as const) {
      const res = await post(
        `/twilio/verify/v2/Services/${SERVICE}/Verifications`,
        { To: gbNumber(), Channel: 'sms' },
        { [header]: value },
      );
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: number; message: string; status: number };
      expect(body.code).toBe(60200);
      expect(body.message).toContain(header === 'x-tollgate-flow' ? 'X-Tollgate-Flow' : 'X-Tollgate-Client-Ip');
    }
  });
});

describe('decide, then relay', () => {
  it('answers a blocked send with Twilio 60410 and X-Tollgate-Decision; the provider never hears of it', async () => {
    const breaker = await trip({ country: 'DE' }, 'block');
    const before = standIn.heard.length;
    const error = await twilioClient()
      .verify.v2.services(SERVICE)
      .verifications.create({ to: '+4915112345678', channel: 'sms' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ status: 403, code: 60410 });
    const raw = await post(`/twilio/verify/v2/Services/${SERVICE}/Verifications`, { To: '+4915112345679', Channel: 'sms' });
    expect(raw.status).toBe(403);
    expect(raw.headers.get('x-tollgate-decision')).toBe('block; reasons=breaker_block');
    expect(heardSince(before)).toEqual([]);
    expect(breaker).toBeTruthy();
  });

  it('refuses a challenge naming it, unless the service handles challenges itself', async () => {
    await trip({ country: 'FR' }, 'challenge');
    const before = standIn.heard.length;
    const refused = await post(`/twilio/verify/v2/Services/${SERVICE}/Verifications`, { To: '+33612345678', Channel: 'sms' });
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as { code: number; message: string };
    expect(body.code).toBe(60410);
    expect(body.message).toContain('CAPTCHA');
    expect(body.message).toContain('challenge=captcha');
    expect(refused.headers.get('x-tollgate-decision')).toMatch(/^challenge=captcha; reasons=breaker_challenge/);
    expect(heardSince(before)).toEqual([]);

    const relayed = await post(`/twilio/verify/v2/Services/${SERVICE_HANDLING_CHALLENGES}/Verifications`, {
      To: '+33612345679',
      Channel: 'sms',
    });
    expect(relayed.status).toBe(201);
    expect(relayed.headers.get('x-tollgate-decision')).toMatch(/^challenge=captcha/);
    expect(heardSince(before)).toHaveLength(1);
  });

  it("blocks by the end user's network only when X-Tollgate-Client-Ip names it", async () => {
    const userIp = '81.2.69.160';
    const network = server.core.identity.asn.lookup(userIp);
    expect(network).not.toBeNull();
    await trip({ asn: network!.asn, app: 'proxy-shop' }, 'block');
    const withIp = await post(
      `/twilio/verify/v2/Services/${SERVICE}/Verifications`,
      { To: gbNumber(), Channel: 'sms' },
      { 'x-tollgate-client-ip': userIp },
    );
    expect(withIp.status).toBe(403);
    const without = await post(`/twilio/verify/v2/Services/${SERVICE}/Verifications`, { To: gbNumber(), Channel: 'sms' });
    expect(without.status).toBe(201);
    expect(without.headers.get('x-tollgate-decision')).toMatch(/^allow/);
    const sent = (await without.json()) as { sid: string };
    expect((await sendRow(sent.sid)).ip).toBe('0.0.0.0');
  });

  it('counts X-Tollgate-Flow instead of the flow proxy.yaml gives', async () => {
    const res = await post(
      `/twilio/verify/v2/Services/${SERVICE}/Verifications`,
      { To: gbNumber(), Channel: 'sms' },
      { 'x-tollgate-flow': 'recovery' },
    );
    expect(res.status).toBe(201);
    expect((await sendRow(((await res.json()) as { sid: string }).sid)).flow).toBe('recovery');
  });
});

/**
 * The headers of the SDK call being made: Twilio's SDK takes no headers per call, but takes an
 * httpClient, so a service wraps the default one (Twilio's "custom HTTP client") and runs each call
 * with its end user's headers.
 */
const endUserHeaders = new AsyncLocalStorage<Record<string, string>>();
class EndUserRequestClient extends twilio.RequestClient {
  override request<TData>(opts: Parameters<twilio.RequestClient['request']>[0] & { data?: TData }) {
    return super.request<TData>({ ...opts, headers: { ...opts.headers, ...endUserHeaders.getStore() } });
  }
}

describe('the end user behind a proxied send', () => {
  /** A GB mobile number in a 1,000-number block of its own, so no block signal adds up across sends. */
  let blocks = 0;
  const ownBlockNumber = () => `+4474002${String(10 + ++blocks).padStart(2, '0')}123`;
  const tollgateHeadersHeard = (since: number) =>
    heardSince(since).flatMap((r) => Object.keys(r.headers).filter((name) => name.startsWith('x-tollgate-')));

  it("counts X-Tollgate-Account-Id against the account limits of POST /v1/decide, refuses the next create in Twilio's shape, and never relays the headers", async () => {
    const client = twilio(ACCOUNT, AUTH_TOKEN, { httpClient: new EndUserRequestClient() });
    client.verify.baseUrl = `${base}/twilio/verify`;
    const accountId = 'user-4711@example.com';
    const headers = {
      'X-Tollgate-Account-Id': accountId,
      'X-Tollgate-User-Agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
      'X-Tollgate-Timezone': 'Europe/London',
      'X-Tollgate-Platform': 'ios',
    };
    // A device of its own per send: one device asking for many numbers weighs in the risk score (next test).
    let devices = 0;
    const create = () =>
      endUserHeaders.run({ ...headers, 'X-Tollgate-Device-Id': `device-${++devices}` }, () =>
        client.verify.v2.services(SERVICE).verifications.create({ to: ownBlockNumber(), channel: 'sms' }),
      );
    const before = standIn.heard.length;
    // The shipped policy's account_hour: five sends an hour per account.
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const verification = await create();
      expect(verification.status).toBe('pending');
      sids.push(verification.sid);
    }
    expect(heardSince(before)).toHaveLength(5);
    // Recorded as a service's own send event would be: with the device and its User-Agent.
    const device = await waitFor(
      'the first send with its device',
      async () =>
        (
          await rows<{ device_id: string; user_agent: string }>(
            'SELECT device_id, user_agent FROM sends_raw WHERE session_id = {session:String}',
            {
              session: sids[0],
            },
          )
        )[0],
    );
    expect(device).toEqual({ device_id: 'device-1', user_agent: headers['X-Tollgate-User-Agent'] });
    expect(tollgateHeadersHeard(before)).toEqual([]);

    const refused = await create().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ status: 429, code: 60203 });
    const raw = await post(`/twilio/verify/v2/Services/${SERVICE}/Verifications`, { To: ownBlockNumber(), Channel: 'sms' }, headers);
    expect(raw.status).toBe(429);
    expect(raw.headers.get('x-tollgate-decision')).toMatch(/^block; reasons=.*velocity_account_hour/);
    expect(heardSince(before)).toHaveLength(5);

    // One account whichever path it comes by: the decision API hashes it the same way.
    const decided = await server.app.inject({
      method: 'POST',
      url: '/v1/decide',
      headers: server.auth('decide'),
      payload: { app: 'proxy-shop', flow: 'signup', phone: ownBlockNumber(), ip: '203.0.113.9', account_id: accountId },
    });
    expect(decided.json()).toMatchObject({ decision: 'block', reasons: [expect.objectContaining({ code: 'velocity_account_hour' })] });
    const otherAccount = await post(
      `/twilio/verify/v2/Services/${SERVICE}/Verifications`,
      { To: ownBlockNumber(), Channel: 'sms' },
      { ...headers, 'X-Tollgate-Account-Id': 'user-4712@example.com' },
    );
    expect(otherAccount.status).toBe(201);
  });

  it('scores X-Tollgate-Device-Id like device_id: one device asking for many numbers in recovery is challenged for an email code', async () => {
    const client = twilio(ACCOUNT, AUTH_TOKEN, { httpClient: new EndUserRequestClient() });
    client.verify.baseUrl = `${base}/twilio/verify`;
    const headers = { 'X-Tollgate-Device-Id': 'tablet-0815', 'X-Tollgate-Flow': 'recovery' };
    const create = () =>
      endUserHeaders.run(headers, () => client.verify.v2.services(SERVICE).verifications.create({ to: ownBlockNumber(), channel: 'sms' }));
    // The fifth distinct number of one device: device_many_numbers at full strength (30) and three
    // device fields missing (6) pass recovery's medium tier (30).
    for (let i = 0; i < 4; i++) expect((await create()).status).toBe('pending');
    const before = standIn.heard.length;
    const refused = await create().then(
      () => undefined,
      (e: unknown) => e as { status: number; code: number; message: string },
    );
    expect(refused).toMatchObject({ status: 403, code: 60410 });
    expect(refused?.message).toContain('challenge=email_code');
    expect(heardSince(before)).toEqual([]);
    const otherDevice = await endUserHeaders.run({ ...headers, 'X-Tollgate-Device-Id': 'phone-0816' }, () =>
      client.verify.v2.services(SERVICE).verifications.create({ to: ownBlockNumber(), channel: 'sms' }),
    );
    expect(otherDevice.status).toBe('pending');
  });

  it("scores X-Tollgate-User-Agent like user_agent: a headless browser's send is refused as a challenge (Vonage, plain HTTP)", async () => {
    const send = (headers: Record<string, string>) =>
      fetch(`${base}/vonage/v2/verify`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${VONAGE_KEY}:${VONAGE_SECRET}`).toString('base64')}`,
          'content-type': 'application/json',
          ...headers,
        },
        body: JSON.stringify({ brand: 'Shop', workflow: [{ channel: 'sms', to: ownBlockNumber().slice(1) }] }),
      });
    const before = standIn.heard.length;
    const headless = await send({ 'X-Tollgate-User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/124.0.0.0 Safari/537.36' });
    expect(headless.status).toBe(403);
    expect(headless.headers.get('x-tollgate-decision')).toMatch(/^challenge=captcha; reasons=risk_medium/);
    expect(((await headless.json()) as { detail: string }).detail).toContain('risk score');
    expect(heardSince(before)).toEqual([]);
    const browser = await send({ 'X-Tollgate-User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/125.0' });
    expect(browser.status).toBe(202);
    expect(tollgateHeadersHeard(before)).toEqual([]);
  });

  it('records a send whose User-Agent holds a tab, which the decision takes and the event contract does not, without the User-Agent', async () => {
    const res = await post(
      `/twilio/verify/v2/Services/${SERVICE}/Verifications`,
      { To: ownBlockNumber(), Channel: 'sms' },
      { 'X-Tollgate-User-Agent': 'Mozilla/5.0\t(X11; Linux x86_64)', 'X-Tollgate-Device-Id': 'laptop-tab' },
    );
    expect(res.status).toBe(201);
    const { sid } = (await res.json()) as { sid: string };
    const stored = await waitFor(
      'the send with its device',
      async () =>
        (
          await rows<{ device_id: string; user_agent: string }>(
            'SELECT device_id, user_agent FROM sends_raw WHERE session_id = {session:String}',
            {
              session: sid,
            },
          )
        )[0],
    );
    expect(stored).toEqual({ device_id: 'laptop-tab', user_agent: '' });
  });

  const utf8AsSent = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  it.each([
    ['X-Tollgate-Account-Id', 'account_id', 'a'.repeat(256), 'a'.repeat(257)],
    ['X-Tollgate-Account-Id', 'account_id', 'é'.repeat(128), 'é'.repeat(129)],
    ['X-Tollgate-Device-Id', 'device_id', 'd'.repeat(128), 'd'.repeat(129)],
    ['X-Tollgate-User-Agent', 'user_agent', 'u'.repeat(512), 'u'.repeat(513)],
    ['X-Tollgate-Timezone', 'timezone', 't'.repeat(64), 't'.repeat(65)],
    ['X-Tollgate-Platform', 'platform', 'p'.repeat(32), 'p'.repeat(33)],
  ])(
    'holds %s to the limit of %s in POST /v1/decide (%#): the longest value passes both, one more is refused by both',
    async (header, field, longest, tooLong) => {
      const decide = (value: string) =>
        server.app.inject({
          method: 'POST',
          url: '/v1/decide',
          headers: server.auth('decide'),
          payload: { app: 'proxy-limits', flow: 'login', phone: ownBlockNumber(), ip: '203.0.113.10', [field]: value },
        });
      const proxied = (value: string) =>
        post(
          `/twilio/verify/v2/Services/${SERVICE}/Verifications`,
          { To: ownBlockNumber(), Channel: 'sms' },
          { [header]: utf8AsSent(value) },
        );
      expect((await decide(longest)).statusCode).toBe(200);
      expect((await proxied(longest)).status).toBe(201);
      const refused = await decide(tooLong);
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe('TG_REQUEST_INVALID');
      expect((await proxied(tooLong)).status).toBe(400);
    },
  );

  it.each([
    ['X-Tollgate-Account-Id', 'a'.repeat(257), 'longer than 256 characters'],
    ['X-Tollgate-Account-Id', utf8AsSent('é'.repeat(129)), 'longer than 256 bytes in UTF-8'],
    ['X-Tollgate-Device-Id', 'd'.repeat(129), 'longer than 128 characters'],
    ['X-Tollgate-Device-Id', '', 'empty'],
    ['X-Tollgate-User-Agent', 'u'.repeat(513), 'longer than 512 characters'],
    ['X-Tollgate-Timezone', 'Europe/\tLondon', 'holds control characters'],
    ['X-Tollgate-Platform', 'p'.repeat(33), 'longer than 32 characters'],
  ])("refuses %s (%#) in Twilio's shape naming the header and the fix, and never relays it", async (header, value, reason) => {
    const before = standIn.heard.length;
    const res = await post(
      `/twilio/verify/v2/Services/${SERVICE}/Verifications`,
      { To: ownBlockNumber(), Channel: 'sms' },
      { [header]: value },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(60200);
    expect(body.message).toContain(`${header}: ${reason}`);
    expect(body.message).toContain('or leave the header out');
    expect(heardSince(before)).toEqual([]);
  });

  it("refuses a malformed header in Vonage's shape too", async () => {
    const res = await fetch(`${base}/vonage/v2/verify`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${VONAGE_KEY}:${VONAGE_SECRET}`).toString('base64')}`,
        'content-type': 'application/json',
        'x-tollgate-platform': 'p'.repeat(33),
      },
      body: JSON.stringify({ brand: 'Shop', workflow: [{ channel: 'sms', to: ownBlockNumber().slice(1) }] }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ title: 'Invalid params', detail: expect.stringContaining('X-Tollgate-Platform') });
  });
});

describe('Twilio Messages through the proxy', () => {
  it("points StatusCallback at Tollgate, stores the receipt and passes the callback on to the service's own URL", async () => {
    const before = standIn.heard.length;
    const message = await twilioClient().messages.create({
      to: gbNumber(),
      from: '+15005550006',
      body: 'Your code is 123456',
      statusCallback: callbackUrl,
    });
    expect(message.sid).toMatch(/^SM/);
    const relayed = new URLSearchParams(heardSince(before)[0]!.body);
    const pointed = new URL(relayed.get('StatusCallback')!);
    expect(pointed.origin).toBe(base);
    expect(pointed.pathname).toBe('/twilio/status-callback');
    expect(pointed.searchParams.get('to')).toBe(callbackUrl);
    expect(relayed.get('Body')).toBe('Your code is 123456');
    expect((await sendRow(message.sid)).flow).toBe('login');

    // Twilio calls back the URL it was given.
    const status = { MessageSid: message.sid, MessageStatus: 'delivered', To: message.to ?? '', AccountSid: ACCOUNT };
    const res = await fetch(pointed, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'sig-from-twilio' },
      body: new URLSearchParams(status).toString(),
    });
    expect(res.status).toBe(200);
    expect(callbacks.at(-1)!.body).toBe(new URLSearchParams(status).toString());
    expect(callbacks.at(-1)!.headers['x-twilio-signature']).toBe('sig-from-twilio');
    expect(callbacks.at(-1)!.headers['x-tollgate-callback-url']).toBe(pointed.toString());
    const receipt = await waitFor(
      'the receipt',
      async () =>
        (await rows<{ status: string }>('SELECT status FROM receipts_raw WHERE message_id = {id:String}', { id: message.sid }))[0],
    );
    expect(receipt.status).toBe('delivered');
  });

  it('refuses callbacks through a URL Tollgate did not write for their account, and stores nothing of them', async () => {
    const message = await twilioClient().messages.create({
      to: gbNumber(),
      from: '+15005550006',
      body: 'code 1',
      statusCallback: callbackUrl,
    });
    const written = new URL(new URLSearchParams(standIn.heard.at(-1)!.body).get('StatusCallback')!);
    const forgedTarget = new URL(written);
    forgedTarget.searchParams.set('to', 'http://127.0.0.1:9/elsewhere');
    const unsigned = new URL(`${base}/twilio/status-callback`);
    const body = (account: string, status: string) =>
      new URLSearchParams({ MessageSid: message.sid, MessageStatus: status, AccountSid: account }).toString();
    for (const [url, account] of [
      [forgedTarget, ACCOUNT],
      [unsigned, ACCOUNT],
      [written, `AC${'d'.repeat(32)}`],
    ] as const) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body(account, 'undelivered'),
      });
      expect(res.status).toBe(403);
    }
    const accepted = await fetch(written, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body(ACCOUNT, 'sent'),
    });
    expect(accepted.status).toBe(200);
    const receipts = await waitFor('the one accepted receipt', async () => {
      const found = await rows<{ status: string }>('SELECT status FROM receipts_raw WHERE message_id = {id:String}', { id: message.sid });
      return found.length > 0 ? found : undefined;
    });
    expect(receipts.map((r) => r.status)).toEqual(['sent']);
  });
});

describe('Vonage through the proxy', () => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

  it('relays Verify v2 with an application JWT, records the send and the checks', async () => {
    const vonage = new Vonage({ applicationId: VONAGE_APP, privateKey }, { apiHost: `${base}/vonage` });
    const phone = gbNumber();
    const before = standIn.heard.length;
    const request = await vonage.verify2.newRequest({ brand: 'Shop', workflow: [{ channel: 'sms', to: phone.slice(1) }] } as Parameters<
      typeof vonage.verify2.newRequest
    >[0]);
    expect(request.requestId).toMatch(/^c11236f4-/);
    expect(heardSince(before)[0]!.headers.authorization).toMatch(/^Bearer /);
    expect(await sendRow(request.requestId)).toMatchObject({ app: 'proxy-shop', flow: 'signup', provider: 'vonage', status: 'accepted' });
    await expect(vonage.verify2.checkCode(request.requestId, '000000')).rejects.toBeTruthy();
    expect(await vonage.verify2.checkCode(request.requestId, RIGHT_CODE)).toBe('completed');
    const outcomes = await waitFor('two verify events', async () => {
      const found = await rows<{ success: number; phone_hash: string }>(
        'SELECT success, phone_hash FROM verifies_raw WHERE session_id = {session:String}',
        { session: request.requestId },
      );
      return found.length === 2 ? found : undefined;
    });
    expect(outcomes.map((o) => Number(o.success)).sort()).toEqual([0, 1]);
    expect(outcomes.every((o) => o.phone_hash !== '')).toBe(true);
  });

  it("relays an SMS with an API key and answers a blocked one in the SMS API's own shape", async () => {
    const vonage = new Vonage({ apiKey: VONAGE_KEY, apiSecret: VONAGE_SECRET }, { restHost: `${base}/vonage` });
    const sent = await vonage.sms.send({ to: gbNumber().slice(1), from: 'Shop', text: 'Your code is 123456' });
    const messageId = sent.messages[0]!.messageId!;
    expect(await sendRow(messageId)).toMatchObject({ provider: 'vonage', status: 'accepted', flow: 'login' });

    await trip({ country: 'ES' }, 'block');
    const before = standIn.heard.length;
    const error = await vonage.sms.send({ to: '34612345678', from: 'Shop', text: 'Your code is 123456' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ response: { messages: [{ status: '7' }] } });
    expect(heardSince(before)).toEqual([]);
  });
});

describe('when the provider is slow or down', () => {
  it("passes back a timeout as 504 in Twilio's shape, does not send twice, and shows the outage in the delivery view", async () => {
    standIn.delayMs = TIMEOUT_MS * 5;
    const before = standIn.heard.length;
    try {
      const error = await twilioClient()
        .verify.v2.services(SERVICE)
        .verifications.create({ to: gbNumber(), channel: 'sms' })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toMatchObject({ status: 504, code: 20504 });
    } finally {
      standIn.delayMs = 0;
    }
    // A create that may have reached the provider is not retried: a second one would text the user twice.
    expect(heardSince(before)).toHaveLength(1);
    const from = Date.now() - 3_600_000;
    const delivery = await waitFor('the failed receipt in the delivery view', async () => {
      const res = await server.app.inject({
        url: `/v1/metrics/delivery?from=${from}&interval=1d&group_by=provider&provider=twilio`,
        headers: server.auth('read'),
      });
      const body = res.json();
      return body.errors?.some((e: { error_code: string }) => e.error_code === 'timeout') ? body : undefined;
    });
    expect(delivery.errors.find((e: { error_code: string }) => e.error_code === 'timeout').receipts).toBeGreaterThanOrEqual(1);
    const failed = await rows<{ n: string }>("SELECT count() AS n FROM sends_raw WHERE app = {app:String} AND status = 'failed'", {
      app: 'proxy-shop',
    });
    expect(Number(failed[0]!.n)).toBeGreaterThanOrEqual(1);
  });
});

describe('upstreams behind the egress guard', () => {
  it('refuses an upstream inside the network unless allowed, and relays to it once it is listed', async () => {
    const request = {
      operation: OPERATIONS.twilioVerificationFetch,
      url: `${standIn.url}/v2/Services/${SERVICE}/Verifications/VE${'0'.repeat(32)}`,
      method: 'GET' as const,
      headers: {},
    };
    const before = standIn.heard.length;
    const closed = createEgressGuard({ allow: parseEgressAllow(undefined) });
    try {
      const refused = await createProxyRuntime({
        store: server.core.store,
        config,
        env: {},
        egress: closed,
        onError: () => undefined,
      }).relay.relay(request);
      expect(refused).toMatchObject({ ok: false, failure: 'unreachable' });
      expect(refused.ok === false && refused.detail).toMatch(/loopback/);
      expect(heardSince(before)).toHaveLength(0);
    } finally {
      await closed.close();
    }
    const open = createEgressGuard({ allow: parseEgressAllow('127.0.0.1') });
    try {
      const relayed = await createProxyRuntime({
        store: server.core.store,
        config,
        env: {},
        egress: open,
        onError: () => undefined,
      }).relay.relay(request);
      expect(relayed.ok).toBe(true);
      expect(heardSince(before)).toHaveLength(1);
    } finally {
      await open.close();
    }
  });
});
