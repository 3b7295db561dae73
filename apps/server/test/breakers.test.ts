import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '@tollgate/client';
import { openTestServer, type TestServer } from './support/test-server.ts';
import { sendEvent } from '@tollgate/events/testing';

let server: TestServer;
beforeAll(async () => {
  server = await openTestServer('breakers', { keepData: true, egressAllow: '127.0.0.1' });
});
afterAll(async () => {
  await server.close();
  rmSync(server.dataDir, { recursive: true, force: true });
});

const GB = '+447400123456';
const FR = '+33612345678';

async function decide(body: Record<string, unknown>) {
  return server.app.inject({ method: 'POST', url: '/v1/decide', headers: server.auth('decide'), payload: body });
}

function request(phone: string, i: number, extra: Record<string, unknown> = {}) {
  // A different IP and session per request so velocity rules stay out of the way.
  return { app: 'shop', flow: 'signup', phone, ip: `198.51.100.${i % 250}`, session_id: `s-${phone}-${i}`, ...extra };
}

async function operate(method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return server.app.inject({
    method,
    url,
    headers: { ...server.auth('operate'), ...headers },
    ...(payload !== undefined && { payload: payload as object }),
  });
}

describe('decision API with manual breakers', () => {
  it('allows ordinary traffic', async () => {
    const res = await decide(request(GB, 1));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ decision: 'allow', reasons: [], breakers: [], risk: expect.objectContaining({ tier: 'low' }) });
  });

  let breakerId = '';
  it('blocks a prefix once a breaker is tripped on it, and nothing else', async () => {
    const trip = await operate('POST', '/v1/breakers', {
      scope: { prefix: '+44 740' },
      action: 'block',
      note: 'pumping to +44 740, ticket 42',
    });
    expect(trip.statusCode).toBe(201);
    expect(trip.headers.etag).toBe('"1"');
    breakerId = trip.json().id;
    expect(trip.json()).toMatchObject({
      state: 'open',
      action: 'block',
      mode: 'enforce',
      reason: { kind: 'manual', actor: 'test-operate', note: 'pumping to +44 740, ticket 42' },
    });

    const blocked = await decide(request(GB, 2));
    expect(blocked.json()).toMatchObject({
      decision: 'block',
      breakers: [breakerId],
      reasons: [{ code: 'breaker_block', breaker_id: breakerId }],
    });
    expect((await decide(request(FR, 3))).json()).toMatchObject({ decision: 'allow' });
  });

  it('refuses a change made from a stale version with 409, and takes the current one', async () => {
    const stale = await operate('POST', `/v1/breakers/${breakerId}/reset`, { note: 'looks fine' }, { 'if-match': '"0"' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('TG_BREAKER_VERSION_CONFLICT');
    const current = await operate('GET', `/v1/breakers/${breakerId}`);
    const reset = await operate(
      'POST',
      `/v1/breakers/${breakerId}/reset`,
      { note: 'attack over' },
      { 'if-match': current.headers.etag as string },
    );
    expect(reset.statusCode).toBe(200);
    expect(reset.json()).toMatchObject({ state: 'closed', version: 2 });
    expect((await decide(request(GB, 4))).json()).toMatchObject({ decision: 'allow' });
  });

  it('lets exactly one of two concurrent changes from the same version through', async () => {
    const [a, b] = await Promise.all([
      operate('POST', `/v1/breakers/${breakerId}/trip`, { note: 'again' }, { 'if-match': '"2"' }),
      operate('POST', `/v1/breakers/${breakerId}/trip`, { note: 'again too' }, { 'if-match': '"2"' }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
  });

  it('moves the expiry and keeps the whole story in the audit log', async () => {
    const extend = await operate('POST', `/v1/breakers/${breakerId}/extend`, { note: 'until the provider confirms', expires_in_s: 3600 });
    expect(extend.statusCode).toBe(200);
    expect(extend.json().expires_at).toBeGreaterThan(Date.now() + 3_500_000);
    const audit = await operate('GET', `/v1/breakers/${breakerId}/audit`);
    expect(audit.json().map((e: { event: string; to_state: string; actor: string }) => [e.event, e.to_state, e.actor])).toEqual([
      ['create', 'open', 'test-operate'],
      ['reset', 'closed', 'test-operate'],
      ['trip', 'open', 'test-operate'],
      ['extend', 'open', 'test-operate'],
    ]);
  });

  it('records what a shadow breaker would have blocked and blocks nothing', async () => {
    const shadow = await operate('POST', '/v1/breakers', {
      scope: { country: 'FR' },
      action: 'block',
      mode: 'shadow',
      note: 'trial of a FR rule',
    });
    const id = shadow.json().id;
    const res = await decide(request(FR, 5));
    expect(res.json()).toMatchObject({ decision: 'allow', breakers: [], shadow: [{ breaker_id: id, would_be: 'block' }] });
    await server.decisions.counter.flush();
    const rs = await server.core.store.client.query({
      query: "SELECT sum(shadow_blocked) AS s, sum(allowed) AS a FROM decisions_1m WHERE country = 'FR'",
      format: 'JSONEachRow',
    });
    expect((await rs.json<{ s: number; a: number }>())[0]!.s).toBeGreaterThanOrEqual(1);
  });

  it('previews the share of the last hour a scope covers', async () => {
    const now = Date.now();
    const sends = [
      ...Array.from({ length: 3 }, (_, i) =>
        sendEvent(900 + i, { ts: now - 60_000, phone: `+4474001${20000 + i}`, session_id: `p-gb-${i}` }),
      ),
      sendEvent(910, { ts: now - 60_000, phone: FR, session_id: 'p-fr', cost: 0.12 }),
    ];
    await server.app.inject({
      method: 'POST',
      url: '/v1/events/send',
      headers: { ...server.auth('ingest'), 'content-type': 'application/json' },
      payload: JSON.stringify(sends),
    });
    const preview = await operate('POST', '/v1/breakers/preview', { scope: { country: 'GB' } });
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toMatchObject({ sends: 3, share_of_sends: 0.75 });
    expect(preview.json().share_of_cost).toBeCloseTo(0.12 / 0.24, 6);
  });

  it('reports decisions and the money blocked sends would have cost', async () => {
    // Price the prefix: sends to +44 740 in this hour cost 0.04 each.
    const now = Date.now();
    await server.app.inject({
      method: 'POST',
      url: '/v1/events/send',
      headers: { ...server.auth('ingest'), 'content-type': 'application/json' },
      payload: JSON.stringify([sendEvent(950, { ts: now, phone: '+447400199999', session_id: 'price-1', cost: 0.04 })]),
    });
    const trip = await operate('POST', '/v1/breakers', {
      scope: { prefix: '+44 740', app: 'pricing' },
      action: 'block',
      note: 'money test',
    });
    for (let i = 0; i < 3; i++) expect((await decide(request(GB, 100 + i, { app: 'pricing' }))).json().decision).toBe('block');
    await operate('POST', `/v1/breakers/${trip.json().id}/reset`, { note: 'done' });
    await server.decisions.counter.flush();
    const res = await server.app.inject({
      method: 'GET',
      url: `/v1/metrics/decisions?interval=1d&app=pricing&from=${now - 3_600_000}`,
      headers: server.auth('read'),
    });
    expect(res.statusCode).toBe(200);
    const [point] = res.json().points;
    expect(point).toMatchObject({ blocked: 3 });
    expect(point.saved_usd).toBeCloseTo(0.12, 6);
  });

  it.each([
    [{ app: 'shop', flow: 'signup', phone: '+44 12', ip: '1.2.3.4' }, 'phone'],
    [{ app: 'shop', flow: 'signup', phone: GB, ip: '300.1.1.1' }, 'ip'],
    [{ flow: 'signup', phone: GB, ip: '1.2.3.4' }, 'app'],
    [{ app: 'shop', flow: 'checkout', phone: GB, ip: '1.2.3.4' }, 'flow'],
  ])('answers bad decide input %j with 400 naming %s', async (body, field) => {
    const res = await decide(body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'TG_REQUEST_INVALID', field });
  });

  it('answers a huge decide body with 413', async () => {
    const res = await decide({ ...request(GB, 6), device_id: 'x'.repeat(9 * 1024 * 1024) });
    expect(res.statusCode).toBe(413);
  });
});

describe('signed webhooks on breaker changes', () => {
  let receiver: Server;
  const received: { body: string; signature: string }[] = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['tollgate-signature']) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => receiver.close());

  it('posts a breaker.opened event the receiver verifies with the subscription secret', async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const sub = await operate('POST', '/v1/webhooks', { url, events: ['breaker.opened'] });
    expect(sub.statusCode).toBe(201);
    const { secret, id } = sub.json();
    const trip = await operate('POST', '/v1/breakers', { scope: { asn: 14061 }, action: 'challenge', note: 'datacenter traffic' });
    await server.decisions.dispatcher.runDue();
    const event = received.map((r) => ({ ...r, json: JSON.parse(r.body) })).find((r) => r.json.data.breaker.id === trip.json().id);
    expect(event?.json).toMatchObject({ type: 'breaker.opened', data: { breaker: { scope: { asn: 14061 }, action: 'challenge' } } });
    expect(verifyWebhookSignature({ secret, header: event!.signature, rawBody: event!.body })).toEqual({ ok: true });
    const log = await operate('GET', `/v1/webhooks/${id}/deliveries`);
    expect(log.json().some((d: { state: string }) => d.state === 'delivered')).toBe(true);
  });
});

describe('breaker state across a restart', () => {
  it('keeps every breaker and its version', async () => {
    const before = (await operate('GET', '/v1/breakers')).json();
    await server.close();
    server = await openTestServer('breakers', { dataDir: server.dataDir, keepData: true, egressAllow: '127.0.0.1' });
    const after = (await operate('GET', '/v1/breakers')).json();
    expect(after).toEqual(before);
    const blocked = await decide(request(GB, 7));
    expect(blocked.json().decision).toBe('block');
  });
});
