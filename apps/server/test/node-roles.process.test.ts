import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from './support/child-server.ts';
import { sendEvent } from '@tollgate/events/testing';
import { TEST_ADMIN_KEY, TEST_HMAC_KEY } from './support/test-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-roles-'));
const env = { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_ADMIN_KEY: TEST_ADMIN_KEY, TOLLGATE_HMAC_KEY: TEST_HMAC_KEY };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test reads the fields of the answer it expects
async function call(server: ChildServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

async function stop(server: ChildServer): Promise<void> {
  server.process.kill('SIGTERM');
  expect(await server.exited).toBe(0);
}

const DECIDE = { app: 'shop', flow: 'signup', phone: '+447400123456', ip: '198.51.100.9', session_id: 'roles-1' };

describe('split roles (child processes)', () => {
  it('a decide-only node refuses ingest and admin routes and decides from breakers another process wrote', async () => {
    // The control node (web): an operator trips a breaker; it refuses decisions and events.
    const control = await spawnServer({ ...env, TOLLGATE_ROLES: 'web' });
    try {
      const trip = await call(control, 'POST', '/v1/breakers', {
        scope: { prefix: '+44 740' },
        action: 'block',
        note: 'pumping to +44 740',
      });
      expect(trip.status).toBe(201);
      const decide = await call(control, 'POST', '/v1/decide', DECIDE);
      expect(decide.status).toBe(421);
      expect(decide.body.error).toMatchObject({ code: 'TG_ROLE_NOT_SERVED', details: { role: 'decide', roles: ['web'] } });
    } finally {
      await stop(control);
    }

    const decider = await spawnServer({ ...env, TOLLGATE_ROLES: 'decide' });
    try {
      const ingest = await call(decider, 'POST', '/v1/events/send', [sendEvent(1)]);
      expect(ingest.status).toBe(421);
      expect(ingest.body.error).toMatchObject({ code: 'TG_ROLE_NOT_SERVED', details: { role: 'ingest', roles: ['decide'] } });
      expect(ingest.body.error.message).toContain('TOLLGATE_ROLES');
      expect((await call(decider, 'GET', '/v1/breakers')).body.error.details.role).toBe('web');
      expect((await call(decider, 'GET', '/v1/incidents')).body.error.details.role).toBe('notify');
      expect((await call(decider, 'GET', '/v1/nothing-here')).status).toBe(404);
      expect((await fetch(`${decider.url}/readyz`)).status).toBe(200);

      const blocked = await call(decider, 'POST', '/v1/decide', DECIDE);
      expect(blocked.status).toBe(200);
      expect(blocked.body.decision).toBe('block');
      expect(blocked.body.reasons[0]).toMatchObject({ code: 'breaker_block' });
      const elsewhere = await call(decider, 'POST', '/v1/decide', { ...DECIDE, phone: '+447911123456', session_id: 'roles-2' });
      expect(elsewhere.body.decision).toBe('allow');
    } finally {
      await stop(decider);
    }
  });

  it('refuses to start with an unknown role, naming it', async () => {
    await expect(spawnServer({ ...env, TOLLGATE_ROLES: 'decide,ingets' })).rejects.toThrow(/unknown role\(s\) "ingets"/);
  });
});
