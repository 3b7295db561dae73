import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { SCOPES, type Scope } from '@tollgate/access';
import type { ErrorCode } from '../src/errors.ts';
import { TEST_ADMIN_KEY, openTestServer, type TestServer } from './support/test-server.ts';
import { sendEvent, verifyEvent } from '@tollgate/events/testing';
import { billingEvent, receiptEvent } from './fixtures/wire-events.fixture.ts';
import { gzipBomb } from './fixtures/malformed-bodies.fixture.ts';

/**
 * Every route the app registers has a row here saying which scope it needs, and every protected
 * route is tried without a key, with malformed and unknown and revoked keys, with a key holding
 * every scope but its own, and with the right one. A route added without a row fails the first test.
 */

let server: TestServer;

beforeAll(async () => {
  server = await openTestServer('authorization', { egressAllow: '127.0.0.1' });
});
afterAll(() => server.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Request {
  url: string;
  payload?: string;
  type?: string;
}

interface RouteRow {
  method: Method;
  /** The path as registered, parameters included. */
  route: string;
  /** null: public, answers without a key. */
  scope: Scope | null;
  /** A request this route serves; built per call so each one carries fresh event ids. */
  request: () => Request | Promise<Request>;
  /** The status the request gets once authorized. */
  ok: number;
}

/** An open breaker made with the operate key, for the routes that act on one. */
async function openBreaker(): Promise<string> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/v1/breakers',
    payload: { scope: { prefix: `+44 ${700 + (nextId++ % 99)}` }, action: 'block', note: 'authorization test' },
    headers: server.auth('operate'),
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function closedBreaker(): Promise<string> {
  const breakerId = await openBreaker();
  const res = await server.app.inject({
    method: 'POST',
    url: `/v1/breakers/${breakerId}/reset`,
    payload: { note: 'closed for the test' },
    headers: server.auth('operate'),
  });
  expect(res.statusCode).toBe(200);
  return breakerId;
}

async function webhook(): Promise<string> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: 'http://127.0.0.1:9/unused' },
    headers: server.auth('operate'),
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

let nextId = 5_000;
const id = () => nextId++;
const json = (...events: unknown[]) => JSON.stringify(events);

async function createKey(scopes: readonly Scope[], name = 'authz-test'): Promise<{ id: string; key: string }> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/v1/keys',
    payload: { name, scopes },
    headers: server.auth('admin'),
  });
  expect(res.statusCode).toBe(201);
  return res.json();
}

/** A fresh open incident (its own country, so its own group), for the routes that act on one. */
async function incident(): Promise<string> {
  const n = id();
  const country = String.fromCharCode(65 + (n % 26), 65 + (Math.floor(n / 26) % 26));
  const [outcome] = await server.alerting.desk.observe([
    {
      id: `an_authz${n}`,
      kind: 'volume_spike',
      severity: 'high',
      state: 'open',
      scope: { country },
      action: 'block',
      summary: 'authz',
      costPerHourUsd: 1,
      observed: 2,
      expected: 1,
      openedAt: 0,
      updatedAt: 0,
    },
  ]);
  expect(outcome?.action).toBe('opened');
  return outcome!.incidentId!;
}

const silenceBody = () => ({
  matchers: [`country="U${String.fromCharCode(65 + (id() % 26))}"`],
  reason: 'authz',
  endsAt: new Date(Date.now() + 3_600_000).toISOString(),
});

const plannedBody = () => ({
  kind: 'campaign',
  scope: { country: 'BR' },
  startsAt: new Date().toISOString(),
  endsAt: new Date(Date.now() + 86_400_000).toISOString(),
  volumeMultiplier: 3,
  note: 'authz',
});

async function plannedEvent(): Promise<string> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/v1/planned-events',
    payload: plannedBody(),
    headers: server.auth('operate'),
  });
  expect(res.statusCode).toBe(201);
  return res.json().event.id;
}

/** A fresh dashboard user, for the routes that change or remove one. */
async function user(): Promise<string> {
  const name = `authz-user-${id()}`;
  const res = await server.app.inject({
    method: 'POST',
    url: '/v1/users',
    payload: { name, role: 'viewer', password: 'correct horse battery' },
    headers: server.auth('admin'),
  });
  expect(res.statusCode).toBe(201);
  return name;
}

async function silence(): Promise<string> {
  const res = await server.app.inject({ method: 'POST', url: '/v1/silences', payload: silenceBody(), headers: server.auth('operate') });
  expect(res.statusCode).toBe(201);
  return res.json().silence.id;
}

const ROUTES: RouteRow[] = [
  { method: 'GET', route: '/healthz', scope: null, request: () => ({ url: '/healthz' }), ok: 200 },
  { method: 'GET', route: '/readyz', scope: null, request: () => ({ url: '/readyz' }), ok: 200 },
  { method: 'GET', route: '/docs', scope: null, request: () => ({ url: '/docs' }), ok: 200 },
  { method: 'GET', route: '/docs/json', scope: null, request: () => ({ url: '/docs/json' }), ok: 200 },
  { method: 'GET', route: '/metrics', scope: 'read', request: () => ({ url: '/metrics' }), ok: 200 },
  {
    method: 'GET',
    route: '/v1/metrics/traffic',
    scope: 'read',
    request: () => ({ url: '/v1/metrics/traffic?interval=1h&group_by=country' }),
    ok: 200,
  },
  {
    method: 'GET',
    route: '/v1/metrics/delivery',
    scope: 'read',
    request: () => ({ url: '/v1/metrics/delivery?interval=1h&group_by=carrier&country=ID' }),
    ok: 200,
  },
  { method: 'GET', route: '/v1/metrics/decisions', scope: 'read', request: () => ({ url: '/v1/metrics/decisions?interval=1h' }), ok: 200 },
  { method: 'GET', route: '/v1/anomalies', scope: 'read', request: () => ({ url: '/v1/anomalies?state=open&kind=volume_spike' }), ok: 200 },
  // An id of the right shape that does not exist: authorized callers get the 404, others 401/403.
  { method: 'GET', route: '/v1/anomalies/:id', scope: 'read', request: () => ({ url: '/v1/anomalies/an_00000000000000000000' }), ok: 404 },
  {
    method: 'GET',
    route: '/v1/incidents',
    scope: 'read',
    request: () => ({ url: '/v1/incidents?state=triggered&category=billing' }),
    ok: 200,
  },
  { method: 'GET', route: '/v1/incidents/:id', scope: 'read', request: () => ({ url: '/v1/incidents/inc_0000000000000000' }), ok: 404 },
  {
    method: 'POST',
    route: '/v1/incidents/:id/acknowledge',
    scope: 'operate',
    request: async () => ({ url: `/v1/incidents/${await incident()}/acknowledge`, payload: '{}' }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/incidents/:id/resolve',
    scope: 'operate',
    request: async () => ({ url: `/v1/incidents/${await incident()}/resolve`, payload: JSON.stringify({ reason: 'authz' }) }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/incidents/:id/notes',
    scope: 'operate',
    request: async () => ({ url: `/v1/incidents/${await incident()}/notes`, payload: JSON.stringify({ text: 'looking' }) }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/incidents/:id/reassign',
    scope: 'operate',
    request: async () => ({
      url: `/v1/incidents/${await incident()}/reassign`,
      payload: JSON.stringify({ owner: 'iam', reason: 'authz' }),
    }),
    ok: 200,
  },
  { method: 'GET', route: '/v1/silences', scope: 'read', request: () => ({ url: '/v1/silences' }), ok: 200 },
  {
    method: 'POST',
    route: '/v1/silences',
    scope: 'operate',
    request: () => ({ url: '/v1/silences', payload: JSON.stringify(silenceBody()) }),
    ok: 201,
  },
  {
    method: 'DELETE',
    route: '/v1/silences/:id',
    scope: 'operate',
    request: async () => ({ url: `/v1/silences/${await silence()}` }),
    ok: 200,
  },
  { method: 'GET', route: '/v1/planned-events', scope: 'read', request: () => ({ url: '/v1/planned-events' }), ok: 200 },
  {
    method: 'POST',
    route: '/v1/planned-events',
    scope: 'operate',
    request: () => ({ url: '/v1/planned-events', payload: JSON.stringify(plannedBody()) }),
    ok: 201,
  },
  {
    method: 'DELETE',
    route: '/v1/planned-events/:id',
    scope: 'operate',
    request: async () => ({ url: `/v1/planned-events/${await plannedEvent()}` }),
    ok: 200,
  },
  { method: 'GET', route: '/v1/owners', scope: 'read', request: () => ({ url: '/v1/owners?days=7' }), ok: 200 },
  {
    method: 'GET',
    route: '/v1/spend',
    scope: 'read',
    request: () => ({ url: '/v1/spend?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z' }),
    ok: 200,
  },
  {
    method: 'GET',
    route: '/v1/spend/contracts',
    scope: 'read',
    request: () => ({ url: '/v1/spend/contracts?provider=twilio&country=GB' }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/spend/contracts',
    scope: 'operate',
    request: () => ({
      url: '/v1/spend/contracts?source=authz.csv',
      payload: 'provider,country,price,effective_from\ntwilio,GB,0.04,2026-10-01\n',
      type: 'text/csv',
    }),
    ok: 200,
  },
  { method: 'GET', route: '/v1/rules', scope: 'read', request: () => ({ url: '/v1/rules' }), ok: 200 },
  {
    method: 'POST',
    route: '/v1/rules/test',
    scope: 'read',
    request: () => ({ url: '/v1/rules/test', payload: JSON.stringify({ kind: 'verify_bruteforce', app: 'shop' }) }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/events/send',
    scope: 'ingest',
    request: () => ({ url: '/v1/events/send', payload: json(sendEvent(id())) }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/events/verify',
    scope: 'ingest',
    request: () => ({ url: '/v1/events/verify', payload: json(verifyEvent(id(), true)) }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/events/billing',
    scope: 'ingest',
    request: () => ({ url: '/v1/events/billing', payload: json(billingEvent(`SMauth${id()}`)) }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/events/receipt',
    scope: 'ingest',
    request: () => ({ url: '/v1/events/receipt', payload: json(receiptEvent(`SMauth${id()}`)) }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/imports/billing',
    scope: 'ingest',
    request: () => ({
      url: '/v1/imports/billing',
      payload: `message_id,ts,provider,country,cost\nSMauth${id()},2026-11-20T14:00:00Z,twilio,GB,0.06\n`,
      type: 'text/csv',
    }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/providers/twilio/status',
    scope: 'ingest',
    request: () => ({
      url: '/v1/providers/twilio/status',
      payload: `MessageSid=SMauth${id()}&MessageStatus=delivered`,
      type: 'application/x-www-form-urlencoded',
    }),
    ok: 200,
  },
  {
    method: 'GET',
    route: '/v1/providers/vonage/dlr',
    scope: 'ingest',
    request: () => ({ url: `/v1/providers/vonage/dlr?messageId=vn-auth-${id()}&status=delivered` }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/providers/vonage/dlr',
    scope: 'ingest',
    request: () => ({ url: '/v1/providers/vonage/dlr', payload: JSON.stringify({ messageId: `vn-auth-${id()}`, status: 'delivered' }) }),
    ok: 200,
  },
  { method: 'GET', route: '/v1/keys', scope: 'admin', request: () => ({ url: '/v1/keys' }), ok: 200 },
  {
    method: 'POST',
    route: '/v1/keys',
    scope: 'admin',
    request: () => ({ url: '/v1/keys', payload: JSON.stringify({ name: 'authz-created', scopes: ['read'] }) }),
    ok: 201,
  },
  {
    method: 'POST',
    route: '/v1/sessions',
    scope: null,
    request: () => ({ url: '/v1/sessions', payload: JSON.stringify({ username: 'admin', password: TEST_ADMIN_KEY }) }),
    ok: 201,
  },
  { method: 'GET', route: '/v1/sessions/current', scope: 'read', request: () => ({ url: '/v1/sessions/current' }), ok: 200 },
  // API keys are not sessions: an authorized key gets the 404 that says so (sessions.test.ts signs out a real one).
  { method: 'DELETE', route: '/v1/sessions/current', scope: 'read', request: () => ({ url: '/v1/sessions/current' }), ok: 404 },
  { method: 'GET', route: '/v1/users', scope: 'admin', request: () => ({ url: '/v1/users' }), ok: 200 },
  {
    method: 'POST',
    route: '/v1/users',
    scope: 'admin',
    request: () => ({
      url: '/v1/users',
      payload: JSON.stringify({ name: `authz-${id()}`, role: 'viewer', password: 'correct horse battery' }),
    }),
    ok: 201,
  },
  {
    method: 'PATCH',
    route: '/v1/users/:name',
    scope: 'admin',
    request: async () => ({ url: `/v1/users/${await user()}`, payload: JSON.stringify({ role: 'finance' }) }),
    ok: 200,
  },
  { method: 'DELETE', route: '/v1/users/:name', scope: 'admin', request: async () => ({ url: `/v1/users/${await user()}` }), ok: 200 },
  {
    method: 'DELETE',
    route: '/v1/keys/:id',
    scope: 'admin',
    request: async () => ({ url: `/v1/keys/${(await createKey(['read'], 'authz-to-revoke')).id}` }),
    ok: 204,
  },
  {
    method: 'POST',
    route: '/v1/decide',
    scope: 'decide',
    request: () => ({
      url: '/v1/decide',
      payload: JSON.stringify({ app: 'authz', flow: 'login', phone: '+33612345678', ip: `203.0.113.${id() % 250}` }),
    }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/policy/backtest',
    scope: 'operate',
    request: () => ({
      url: '/v1/policy/backtest',
      payload: JSON.stringify({ policy: 'version: 1\n', from: '2026-11-20T00:00:00Z', to: '2026-11-20T01:00:00Z' }),
    }),
    ok: 200,
  },
  { method: 'GET', route: '/v1/breakers/snapshot', scope: 'decide', request: () => ({ url: '/v1/breakers/snapshot' }), ok: 200 },
  { method: 'GET', route: '/v1/breakers', scope: 'operate', request: () => ({ url: '/v1/breakers?state=active' }), ok: 200 },
  {
    method: 'POST',
    route: '/v1/breakers',
    scope: 'operate',
    request: () => ({ url: '/v1/breakers', payload: JSON.stringify({ scope: { country: 'KG' }, action: 'challenge', note: 'authz' }) }),
    ok: 201,
  },
  {
    method: 'GET',
    route: '/v1/breakers/:id',
    scope: 'operate',
    request: async () => ({ url: `/v1/breakers/${await openBreaker()}` }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/breakers/:id/trip',
    scope: 'operate',
    request: async () => ({ url: `/v1/breakers/${await closedBreaker()}/trip`, payload: JSON.stringify({ note: 'again' }) }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/breakers/:id/reset',
    scope: 'operate',
    request: async () => ({ url: `/v1/breakers/${await openBreaker()}/reset`, payload: JSON.stringify({ note: 'over' }) }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/breakers/:id/extend',
    scope: 'operate',
    request: async () => ({
      url: `/v1/breakers/${await openBreaker()}/extend`,
      payload: JSON.stringify({ note: 'longer', expires_in_s: 600 }),
    }),
    ok: 200,
  },
  {
    method: 'GET',
    route: '/v1/breakers/:id/audit',
    scope: 'operate',
    request: async () => ({ url: `/v1/breakers/${await openBreaker()}/audit` }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/breakers/preview',
    scope: 'operate',
    request: () => ({ url: '/v1/breakers/preview', payload: JSON.stringify({ scope: { country: 'GB' } }) }),
    ok: 200,
  },
  {
    method: 'POST',
    route: '/v1/webhooks',
    scope: 'operate',
    request: () => ({ url: '/v1/webhooks', payload: JSON.stringify({ url: 'http://127.0.0.1:9/hook' }) }),
    ok: 201,
  },
  { method: 'GET', route: '/v1/webhooks', scope: 'operate', request: () => ({ url: '/v1/webhooks' }), ok: 200 },
  {
    method: 'DELETE',
    route: '/v1/webhooks/:id',
    scope: 'operate',
    request: async () => ({ url: `/v1/webhooks/${await webhook()}` }),
    ok: 204,
  },
  {
    method: 'GET',
    route: '/v1/webhooks/:id/deliveries',
    scope: 'operate',
    request: async () => ({ url: `/v1/webhooks/${await webhook()}/deliveries` }),
    ok: 200,
  },
];

const PROTECTED = ROUTES.filter((row) => row.scope !== null);
const PUBLIC = ROUTES.filter((row) => row.scope === null);
const COLLECTORS = ROUTES.filter((row) => row.scope === 'ingest');

async function call(row: RouteRow, authorization?: string, method: Method | 'HEAD' = row.method) {
  const request = await row.request();
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (request.payload !== undefined) headers['content-type'] = request.type ?? 'application/json';
  return server.app.inject({ method, url: request.url, payload: request.payload, headers });
}

function expectRefused(res: { statusCode: number; json(): { error: { code: ErrorCode } } }, status: number, code: ErrorCode) {
  expect({ status: res.statusCode, code: res.json().error.code }).toEqual({ status, code });
}

const bearer = (key: string) => `Bearer ${key}`;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * "METHOD /path" of every registered route, read from fastify's route tree. Each line of
 * printRoutes is a tree node: its indentation gives its depth, its text the path segment it adds
 * to its parent's, and the parenthesis the methods registered on the path so far.
 */
function registeredRoutes(app: FastifyInstance): string[] {
  const segments: string[] = [];
  const routes: string[] = [];
  for (const text of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const node = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(text);
    if (node === null) continue;
    const depth = node[1]!.length / 4;
    segments.length = depth;
    segments.push(node[2]!);
    for (const method of node[3]?.split(', ') ?? []) routes.push(`${method} ${segments.join('')}`);
  }
  return routes;
}

/** swagger-ui's own pages and assets: public by design, and numerous enough to leave out of the table. */
const isDocsRoute = (route: string) => / \/docs(\/|$)/.test(route);

describe('the route table', () => {
  it('has a row for every route the app registers', () => {
    const routes = registeredRoutes(server.app);
    expect(routes).toContain('POST /v1/keys');
    expect(routes).toContain('DELETE /v1/keys/:id');
    const rows = new Set(ROUTES.map((row) => `${row.method} ${row.route}`));
    // HEAD is exposed for every GET and runs the GET route's hooks, so the GET row covers it.
    const withoutRow = routes.filter(
      (route) => !isDocsRoute(route) && !rows.has(route) && !(route.startsWith('HEAD ') && rows.has(route.replace(/^HEAD/, 'GET'))),
    );
    expect(withoutRow).toEqual([]);
  });

  it.each(ROUTES)('$method $route is registered', (row) => {
    expect(server.app.hasRoute({ method: row.method, url: row.route })).toBe(true);
  });
});

describe('public routes', () => {
  it.each(PUBLIC)('$method $route answers without a key', async (row) => {
    expect((await call(row)).statusCode).toBe(row.ok);
  });

  it.each(PUBLIC)('$method $route ignores a bad key rather than refusing it', async (row) => {
    expect((await call(row, bearer('not-a-key'))).statusCode).toBe(row.ok);
  });
});

describe.each(PROTECTED)('$method $route (scope $scope)', (row) => {
  const scope = row.scope as Scope;
  let lacking: string;
  let revoked: string;

  beforeAll(async () => {
    lacking = (
      await createKey(
        SCOPES.filter((s) => s !== scope),
        `authz-all-but-${scope}`,
      )
    ).key;
    const doomed = await createKey(SCOPES, 'authz-revoked');
    const revoke = await server.app.inject({ method: 'DELETE', url: `/v1/keys/${doomed.id}`, headers: server.auth('admin') });
    expect(revoke.statusCode).toBe(204);
    revoked = doomed.key;
  });

  it('refuses a request without Authorization with 401 TG_AUTH_MISSING', async () => {
    expectRefused(await call(row), 401, 'TG_AUTH_MISSING');
    if (row.method === 'GET') expect((await call(row, undefined, 'HEAD')).statusCode).toBe(401);
  });

  it.each([
    ['an empty header', () => ''],
    ['"Bearer" and no key', () => 'Bearer'],
    ['"Bearer" and two words', () => `Bearer ${server.keys[scope]} extra`],
    ['the key without a scheme', () => server.keys[scope]],
    ['an unknown scheme', () => `Token ${server.keys[scope]}`],
    ['basic auth that is not base64', () => 'Basic !!not base64!!'],
    ['basic auth without a password', () => `Basic ${Buffer.from(server.keys[scope]).toString('base64')}`],
    ['basic auth with an empty password', () => basic(server.keys[scope], '')],
  ])('refuses a malformed header (%s) with 401 TG_AUTH_MISSING', async (_name, header) => {
    expectRefused(await call(row, header()), 401, 'TG_AUTH_MISSING');
  });

  it('refuses an unknown key with 401 TG_AUTH_INVALID', async () => {
    expectRefused(await call(row, bearer(`tg_0000000000000000_${'x'.repeat(43)}`)), 401, 'TG_AUTH_INVALID');
  });

  it('refuses a known key id with the wrong secret with 401 TG_AUTH_INVALID', async () => {
    const [, keyId] = /^tg_([0-9a-f]{16})_/.exec(server.keys[scope])!;
    expectRefused(await call(row, bearer(`tg_${keyId}_${'x'.repeat(43)}`)), 401, 'TG_AUTH_INVALID');
  });

  it('refuses a revoked key with 401 TG_AUTH_INVALID', async () => {
    expectRefused(await call(row, bearer(revoked)), 401, 'TG_AUTH_INVALID');
  });

  it(`refuses a key holding every scope but "${scope}" with 403 TG_AUTH_SCOPE`, async () => {
    expectRefused(await call(row, bearer(lacking)), 403, 'TG_AUTH_SCOPE');
  });

  it(`serves a key holding only "${scope}"`, async () => {
    const res = await call(row, bearer(server.keys[scope]));
    expect([401, 403]).not.toContain(res.statusCode);
    expect(res.statusCode).toBe(row.ok);
  });

  it('serves the bootstrap admin key', async () => {
    expect((await call(row, bearer(TEST_ADMIN_KEY))).statusCode).toBe(row.ok);
  });
});

describe('basic auth, as providers send it from a callback URL', () => {
  it.each(COLLECTORS)('$method $route takes the ingest key as the basic-auth password', async (row) => {
    expect((await call(row, basic('tollgate', server.keys.ingest))).statusCode).toBe(row.ok);
    expect((await call(row, basic('', server.keys.ingest))).statusCode).toBe(row.ok);
  });

  it.each(COLLECTORS)('$method $route refuses a basic-auth password without the ingest scope', async (row) => {
    expectRefused(await call(row, basic('tollgate', server.keys.read)), 403, 'TG_AUTH_SCOPE');
  });
});

describe('the key is checked before the body is read', () => {
  interface Unread {
    name: string;
    method: Method;
    url: string;
    payload?: string | Buffer;
    headers?: Record<string, string>;
  }
  const JSON_BODY = { 'content-type': 'application/json' };
  const REQUESTS: Unread[] = [
    { name: 'an XML batch', method: 'POST', url: '/v1/events/send', payload: '<events/>', headers: { 'content-type': 'application/xml' } },
    { name: 'a 9 MB batch', method: 'POST', url: '/v1/events/send', payload: 'x'.repeat(9 * 1024 * 1024), headers: JSON_BODY },
    {
      name: 'a gzip bomb',
      method: 'POST',
      url: '/v1/events/verify',
      payload: gzipBomb(' ', '[', ']'),
      headers: { ...JSON_BODY, 'content-encoding': 'gzip' },
    },
    {
      name: 'a corrupt gzip CSV',
      method: 'POST',
      url: '/v1/imports/billing',
      payload: 'not gzip',
      headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' },
    },
    {
      name: 'a brotli Twilio callback',
      method: 'POST',
      url: '/v1/providers/twilio/status',
      payload: 'x',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'br' },
    },
    {
      name: 'an XML Vonage DLR',
      method: 'POST',
      url: '/v1/providers/vonage/dlr',
      payload: '<dlr/>',
      headers: { 'content-type': 'application/xml' },
    },
    { name: 'a traffic query with a bad interval', method: 'GET', url: '/v1/metrics/traffic?interval=5m' },
    { name: 'an empty key request', method: 'POST', url: '/v1/keys', payload: '{}', headers: JSON_BODY },
    {
      name: 'a key request with __proto__',
      method: 'POST',
      url: '/v1/keys',
      payload: '{"__proto__":{"scopes":["admin"]}}',
      headers: JSON_BODY,
    },
    { name: 'a malformed key id', method: 'DELETE', url: '/v1/keys/not-an-id' },
  ];

  it.each(REQUESTS)('answers $name without a key with 401 TG_AUTH_MISSING', async (request) => {
    const { name: _name, ...inject } = request;
    expectRefused(await server.app.inject(inject), 401, 'TG_AUTH_MISSING');
  });

  it.each(REQUESTS.filter((r) => r.url.startsWith('/v1/keys') || r.url.startsWith('/v1/metrics')))(
    'answers $name with a key lacking the scope with 403 TG_AUTH_SCOPE',
    async (request) => {
      const { name: _name, ...inject } = request;
      expectRefused(await server.app.inject({ ...inject, headers: { ...inject.headers, ...server.auth('ingest') } }), 403, 'TG_AUTH_SCOPE');
    },
  );
});

describe('a key remembered by its kept-alive connection', () => {
  /** One kept-alive connection on loopback: each answer says which local port it came through. */
  let agent: Agent;
  let port: number;

  beforeAll(async () => {
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    port = (server.app.server.address() as AddressInfo).port;
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
  });
  afterAll(() => agent.destroy());

  function decideOver(authorization: string): Promise<{ localPort: number; statusCode: number; code: string | undefined }> {
    const body = JSON.stringify({ app: 'authz-kept-alive', flow: 'login', phone: '+33612345678', ip: '203.0.113.9' });
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          agent,
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/decide',
          headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            resolve({
              localPort: req.socket!.localPort!,
              statusCode: res.statusCode!,
              code: JSON.parse(text).error?.code as string | undefined,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('refuses a key on the very next request of the connection it served once revoked', async () => {
    const key = await createKey(['decide'], 'authz-kept-alive');
    const first = await decideOver(bearer(key.key));
    const second = await decideOver(bearer(key.key));
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    const revoke = await server.app.inject({ method: 'DELETE', url: `/v1/keys/${key.id}`, headers: server.auth('admin') });
    expect(revoke.statusCode).toBe(204);
    const afterRevoke = await decideOver(bearer(key.key));
    expect(afterRevoke.localPort).toBe(first.localPort);
    expect({ status: afterRevoke.statusCode, code: afterRevoke.code }).toEqual({ status: 401, code: 'TG_AUTH_INVALID' });
  });

  it('checks each key a connection sends, not the one it sent first', async () => {
    const allowed = await decideOver(bearer(server.keys.decide));
    const other = await decideOver(bearer(server.keys.read));
    const unknown = await decideOver(bearer(`${server.keys.decide.slice(0, -4)}AAAA`));
    const again = await decideOver(bearer(server.keys.decide));
    expect(new Set([allowed.localPort, other.localPort, unknown.localPort, again.localPort]).size).toBe(1);
    expect([allowed, other, unknown, again].map((r) => [r.statusCode, r.code])).toEqual([
      [200, undefined],
      [403, 'TG_AUTH_SCOPE'],
      [401, 'TG_AUTH_INVALID'],
      [200, undefined],
    ]);
  });
});
