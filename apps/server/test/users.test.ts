import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessions } from '@tollgate/access';
import { openTestServer, type TestServer } from './support/test-server.ts';

/**
 * User management as an admin does it on the dashboard: change a role or a password, remove a
 * person. A session carries the role it was opened with, so each change signs the person out.
 */

let server: TestServer;
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a brand new passphrase';

beforeAll(async () => {
  server = await openTestServer('users');
});
afterAll(() => server.close());

let nextUser = 0;
async function addUser(role: 'viewer' | 'finance' | 'oncall' | 'admin'): Promise<string> {
  const name = `bo-${role}-${nextUser++}`;
  const res = await server.app.inject({
    method: 'POST',
    url: '/v1/users',
    payload: { name, role, password: PASSWORD },
    headers: server.auth('admin'),
  });
  expect(res.statusCode).toBe(201);
  return name;
}

async function signIn(username: string, password = PASSWORD) {
  return server.app.inject({ method: 'POST', url: '/v1/sessions', payload: { username, password } });
}

async function tokenOf(username: string): Promise<string> {
  const res = await signIn(username);
  expect(res.statusCode).toBe(201);
  return res.json().token;
}

const whoAmI = (token: string) => server.app.inject({ url: '/v1/sessions/current', headers: { authorization: `Bearer ${token}` } });
const asAdmin = (
  method: 'PATCH' | 'DELETE' | 'POST',
  url: string,
  payload?: object,
  headers: Record<string, string> = server.auth('admin'),
) => server.app.inject({ method, url, payload, headers });

describe('changing a user', () => {
  it('gives a new role and signs out the sessions holding the old one', async () => {
    const name = await addUser('oncall');
    const tokens = [await tokenOf(name), await tokenOf(name)];
    const res = await asAdmin('PATCH', `/v1/users/${name}`, { role: 'viewer' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name, role: 'viewer', disabled: false, sessions_ended: 2 });
    for (const token of tokens) expect((await whoAmI(token)).statusCode).toBe(401);
    const again = await signIn(name);
    expect(again.json().user).toMatchObject({ role: 'viewer', scopes: ['read'] });
  });

  it('sets a new password: the old one no longer signs in, the role is kept', async () => {
    const name = await addUser('finance');
    const token = await tokenOf(name);
    expect((await asAdmin('PATCH', `/v1/users/${name}`, { password: NEW_PASSWORD })).json()).toMatchObject({
      role: 'finance',
      sessions_ended: 1,
    });
    expect((await whoAmI(token)).statusCode).toBe(401);
    expect((await signIn(name)).statusCode).toBe(401);
    expect((await signIn(name, NEW_PASSWORD)).json().user).toMatchObject({ name, role: 'finance' });
  });

  it('signs out the sessions of a user whose role and password are replaced by POST', async () => {
    const name = await addUser('admin');
    const token = await tokenOf(name);
    expect((await asAdmin('POST', '/v1/users', { name, role: 'viewer', password: NEW_PASSWORD })).statusCode).toBe(201);
    expect((await whoAmI(token)).statusCode).toBe(401);
  });

  it('refuses an admin taking away their own admin role, and keeps them signed in', async () => {
    const name = await addUser('admin');
    const token = await tokenOf(name);
    const mine = { authorization: `Bearer ${token}` };
    for (const [method, url, payload] of [
      ['PATCH', `/v1/users/${name}`, { role: 'oncall' }],
      ['POST', '/v1/users', { name, role: 'viewer', password: PASSWORD }],
    ] as const) {
      const res = await asAdmin(method, url, payload, mine);
      expect({ status: res.statusCode, code: res.json().error.code, field: res.json().error.field }).toEqual({
        status: 400,
        code: 'TG_REQUEST_INVALID',
        field: 'role',
      });
    }
    expect((await whoAmI(token)).json()).toMatchObject({ name, role: 'admin' });
    // Changing their own password is fine (and signs them out like anyone else).
    expect((await asAdmin('PATCH', `/v1/users/${name}`, { password: NEW_PASSWORD }, mine)).statusCode).toBe(200);
  });
});

describe('removing a user', () => {
  it('ends their sessions, refuses their sign-in and lists them as disabled', async () => {
    const name = await addUser('oncall');
    const token = await tokenOf(name);
    const res = await asAdmin('DELETE', `/v1/users/${name}`);
    expect(res.json()).toMatchObject({ name, role: 'oncall', disabled: true, sessions_ended: 1 });
    expect((await whoAmI(token)).statusCode).toBe(401);
    expect((await signIn(name)).json().error.code).toBe('TG_LOGIN_INVALID');
    const listed = (await server.app.inject({ url: '/v1/users', headers: server.auth('admin') })).json();
    expect(listed.find((user: { name: string }) => user.name === name)).toMatchObject({ disabled: true });
  });

  it('ends the sessions in the store, so another instance reading it does not honour them', async () => {
    const name = await addUser('viewer');
    const token = await tokenOf(name);
    const tokenHash = createHash('sha256').update(token).digest('hex');
    expect((await createSessions({ store: server.core.store })).byTokenHash(tokenHash)).not.toBeNull();
    await asAdmin('DELETE', `/v1/users/${name}`);
    expect((await createSessions({ store: server.core.store })).byTokenHash(tokenHash)).toBeNull();
  });

  it('brings a removed name back with POST, with a new password', async () => {
    const name = await addUser('viewer');
    await asAdmin('DELETE', `/v1/users/${name}`);
    expect((await asAdmin('POST', '/v1/users', { name, role: 'finance', password: NEW_PASSWORD })).json()).toMatchObject({
      disabled: false,
      role: 'finance',
    });
    expect((await signIn(name, NEW_PASSWORD)).statusCode).toBe(201);
  });

  it.each([
    ['an unknown user', async () => 'nobody-at-all'],
    [
      'a user removed already',
      async () => {
        const name = await addUser('viewer');
        await asAdmin('DELETE', `/v1/users/${name}`);
        return name;
      },
    ],
  ])('answers 404 for %s, to remove or to change', async (_case, nameOf) => {
    const name = await nameOf();
    for (const res of [await asAdmin('DELETE', `/v1/users/${name}`), await asAdmin('PATCH', `/v1/users/${name}`, { role: 'viewer' })]) {
      expect({ status: res.statusCode, code: res.json().error.code, field: res.json().error.field }).toEqual({
        status: 404,
        code: 'TG_NOT_FOUND',
        field: 'name',
      });
    }
  });

  it('refuses an admin removing themselves', async () => {
    const name = await addUser('admin');
    const token = await tokenOf(name);
    const res = await asAdmin('DELETE', `/v1/users/${name}`, undefined, { authorization: `Bearer ${token}` });
    expect({ status: res.statusCode, field: res.json().error.field }).toEqual({ status: 400, field: 'name' });
    expect((await whoAmI(token)).statusCode).toBe(200);
  });
});
