import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginThrottle, hashPassword, verifyPassword, createSessions, type Role } from '@tollgate/access';
import { TEST_ADMIN_KEY, openTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  server = await openTestServer('sessions');
  for (const role of ['viewer', 'finance', 'oncall', 'admin'] as const) {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/users',
      payload: { name: `ana-${role}`, role, password: PASSWORD },
      headers: server.auth('admin'),
    });
    expect(res.statusCode).toBe(201);
  }
});
afterAll(() => server.close());

async function signIn(username: string, password = PASSWORD, ip = '198.51.100.7') {
  return server.app.inject({ method: 'POST', url: '/v1/sessions', payload: { username, password }, remoteAddress: ip });
}

async function tokenOf(role: Role): Promise<string> {
  const res = await signIn(`ana-${role}`);
  expect(res.statusCode).toBe(201);
  return res.json().token;
}

describe('signing in', () => {
  it.each([
    ['viewer', ['read']],
    ['finance', ['read']],
    ['oncall', ['read', 'operate']],
    ['admin', ['ingest', 'decide', 'operate', 'read', 'admin']],
  ] as const)('a %s gets a session holding %j, and is that user on the API', async (role, scopes) => {
    const res = await signIn(`ana-${role}`);
    expect(res.statusCode).toBe(201);
    const { token, expires_at, user } = res.json();
    expect(token).toMatch(/^tgs_/);
    expect(expires_at).toBeGreaterThan(Date.now());
    expect(user).toMatchObject({ kind: 'session', name: `ana-${role}`, role, scopes });
    const me = await server.app.inject({ url: '/v1/sessions/current', headers: { authorization: `Bearer ${token}` } });
    expect(me.json()).toMatchObject({ kind: 'session', name: `ana-${role}`, role });
  });

  it.each([
    ['a wrong password', 'ana-viewer', 'not the password at all'],
    ['an unknown user', 'nobody-here', PASSWORD],
    ['the admin key for a user that is not admin', 'ana-viewer', TEST_ADMIN_KEY],
  ])('refuses %s with 401 TG_LOGIN_INVALID', async (_name, username, password) => {
    const res = await signIn(username, password, '198.51.100.20');
    expect({ status: res.statusCode, code: res.json().error.code }).toEqual({ status: 401, code: 'TG_LOGIN_INVALID' });
  });

  it('lets the first admin in with the bootstrap admin key', async () => {
    const res = await signIn('admin', TEST_ADMIN_KEY);
    expect(res.json().user).toMatchObject({ name: 'admin', role: 'admin' });
  });

  it('answers 400 naming the field for a body without a password', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/sessions', payload: { username: 'ana-viewer' } });
    expect({ status: res.statusCode, code: res.json().error.code, field: res.json().error.field }).toEqual({
      status: 400,
      code: 'TG_REQUEST_INVALID',
      field: 'password',
    });
  });

  it('throttles a user name after five failures with 429 and Retry-After, even with the right password', async () => {
    await server.app.inject({
      method: 'POST',
      url: '/v1/users',
      payload: { name: 'ana-locked', role: 'viewer', password: PASSWORD },
      headers: server.auth('admin'),
    });
    for (let attempt = 0; attempt < 5; attempt++)
      expect((await signIn('ana-locked', 'wrong password!!', `203.0.113.${attempt}`)).statusCode).toBe(401);
    const res = await signIn('ana-locked', PASSWORD, '203.0.113.99');
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('TG_LOGIN_THROTTLED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(800);
  });

  it('believes X-Forwarded-For only from a trusted proxy: a client cannot pick its own address to dodge the per-address throttle', async () => {
    const attempt = (user: string, remoteAddress: string, forwardedFor: string) =>
      server.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        payload: { username: user, password: 'wrong password!!' },
        remoteAddress,
        headers: { 'x-forwarded-for': forwardedFor },
      });
    // A client on the internet, a new user name and a new claimed address each time: its own address is counted.
    for (let i = 0; i < 5; i++) expect((await attempt(`guess-${i}`, '203.0.113.77', `198.51.100.${i}`)).statusCode).toBe(401);
    const sixth = await attempt('guess-5', '203.0.113.77', '198.51.100.5');
    expect(sixth.statusCode).toBe(429);
    // Through the dashboard on loopback (a trusted proxy), each forwarded address is its own client.
    for (let i = 0; i < 6; i++) expect((await attempt(`proxied-${i}`, '127.0.0.1', `192.0.2.${i}`)).statusCode).toBe(401);
  });

  it('keeps no password in the users table', async () => {
    const rs = await server.core.store.client.query({ query: 'SELECT password_hash FROM users', format: 'JSONEachRow' });
    const hashes = (await rs.json<{ password_hash: string }>()).map((r) => r.password_hash);
    expect(hashes.length).toBeGreaterThanOrEqual(4);
    for (const hash of hashes) {
      expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
      expect(hash).not.toContain(PASSWORD);
    }
  });

  it('refuses a user with a short password with 400 naming the field', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/users',
      payload: { name: 'shorty', role: 'viewer', password: 'short' },
      headers: server.auth('admin'),
    });
    expect({ status: res.statusCode, field: res.json().error.field }).toEqual({ status: 400, field: 'password' });
  });
});

describe('roles on the API', () => {
  it.each([
    ['viewer', 'GET', '/v1/metrics/traffic?interval=1h', 200],
    ['viewer', 'GET', '/v1/breakers', 403],
    ['finance', 'POST', '/v1/breakers', 403],
    ['viewer', 'GET', '/v1/users', 403],
    ['oncall', 'POST', '/v1/breakers', 201],
    ['oncall', 'GET', '/v1/keys', 403],
    ['admin', 'GET', '/v1/users', 200],
  ] as const)('a %s session gets %s %s -> %i', async (role, method, url, status) => {
    const token = await tokenOf(role);
    const payload = method === 'POST' ? { scope: { country: 'UZ' }, action: 'block', note: `by ${role}` } : undefined;
    const res = await server.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(status);
    // A person is told it is their role, not an API key, that falls short.
    if (status === 403) expect(res.json().error.message).toMatch(/^Your role lacks the "\w+" scope/);
  });

  it('records the user as the actor of what the session does', async () => {
    const token = await tokenOf('oncall');
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/breakers',
      payload: { scope: { country: 'TJ' }, action: 'block', note: 'pumping' },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.json().reason).toMatchObject({ kind: 'manual', actor: 'ana-oncall' });
  });
});

describe('signing out', () => {
  it('ends the session at once: the token is refused with 401 afterwards', async () => {
    const token = await tokenOf('viewer');
    const headers = { authorization: `Bearer ${token}` };
    expect((await server.app.inject({ method: 'DELETE', url: '/v1/sessions/current', headers })).statusCode).toBe(204);
    const after = await server.app.inject({ url: '/v1/sessions/current', headers });
    expect({ status: after.statusCode, code: after.json().error.code }).toEqual({ status: 401, code: 'TG_AUTH_INVALID' });
  });
});

describe('passwords and the throttle, alone', () => {
  it('verifies the password it hashed and nothing else, and never a malformed hash', async () => {
    const hash = await hashPassword('pässwörd long enough');
    expect(await verifyPassword('pässwörd long enough', hash)).toBe(true);
    expect(await verifyPassword('passwörd long enough', hash)).toBe(false);
    expect(await verifyPassword('pässwörd long enough', hash.replace(/\$[^$]+$/, '$AAAA'))).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });

  it('admits again once the oldest failure leaves the window, and counts addresses apart from names', () => {
    let now = 0;
    const throttle = createLoginThrottle({ maxFailures: 2, windowMs: 60_000, clock: () => now });
    throttle.recordFailure('a', 'ip1');
    now = 10_000;
    throttle.recordFailure('b', 'ip1');
    expect(throttle.retryAfterS('c', 'ip1')).toBe(50);
    expect(throttle.retryAfterS('c', 'ip2')).toBe(0);
    now = 60_001;
    expect(throttle.retryAfterS('c', 'ip1')).toBe(0);
  });
});

describe('sessions across instances', () => {
  it('sees a session opened, then closed, through another instance once it reloads', async () => {
    const here = await createSessions({ store: server.core.store });
    const there = await createSessions({ store: server.core.store });
    const { token, session } = await there.open({ name: 'other-instance', role: 'viewer' });
    const hash = createHash('sha256').update(token).digest('hex');
    expect(here.byTokenHash(hash)).toBeNull();
    await here.reload();
    expect(here.byTokenHash(hash)).toMatchObject({ name: 'other-instance', scopes: ['read'] });
    expect(await there.close(session.id)).toBe(true);
    await here.reload();
    expect(here.byTokenHash(hash)).toBeNull();
  });
});
