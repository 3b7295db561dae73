import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEgressGuard } from '@tollgate/egress';
import { createDecisionRuntime, BREAKER_SYNC_MS } from '../src/decision-runtime.ts';
import { NODE_ROLES, parseRoles, roleOfPath } from '../src/node-roles.ts';
import { openTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await openTestServer('node-roles');
});
afterAll(() => server.close());

describe('TOLLGATE_ROLES', () => {
  it.each([
    [undefined, NODE_ROLES],
    ['', NODE_ROLES],
    ['all', NODE_ROLES],
    ['decide', ['decide']],
    [' ingest , decide ', ['ingest', 'decide']],
  ])('reads %j as %j', (value, roles) => {
    const parsed = parseRoles(value);
    expect(parsed.ok && [...parsed.roles].sort()).toEqual([...roles].sort());
  });

  it('names an unknown role and the valid ones', () => {
    const parsed = parseRoles('decide,ingets');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/unknown role\(s\) "ingets".*ingest, decide, detect, notify, web/);
  });

  it('gives every API route of the full server exactly one role, so a load balancer can route by path', async () => {
    const doc = (await server.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, unknown> };
    const unplaced = Object.keys(doc.paths)
      .filter((path) => path.startsWith('/v1/'))
      .map((path) => path.replace(/\{(\w+)\}/g, 'x'))
      .filter((path) => roleOfPath(path) === undefined);
    expect(unplaced).toEqual([]);
    expect(roleOfPath('/v1/events/send')).toBe('ingest');
    expect(roleOfPath('/v1/decide')).toBe('decide');
    expect(roleOfPath('/v1/incidents/x/acknowledge')).toBe('notify');
    expect(roleOfPath('/v1/breakers/x/trip')).toBe('web');
    expect(roleOfPath('/v1/decidex')).toBeUndefined();
    expect(roleOfPath('/healthz')).toBeUndefined();
  });
});

describe('breaker state across decision nodes', () => {
  it(`reaches another node's decisions through the store within a few sync periods (${BREAKER_SYNC_MS} ms each)`, async () => {
    // A second decision node on the same store, as another process behind the load balancer would be.
    const other = createDecisionRuntime({
      store: server.core.store,
      identity: server.core.identity,
      egress: createEgressGuard(),
      tick: false,
      onError: (error) => {
        throw error;
      },
    });
    await other.start();
    try {
      const request = {
        app: 'shop',
        flow: 'signup',
        phoneHash: 'h-roles',
        country: 'UZ',
        prefix: '+998 977',
        asn: 0,
        ip: '198.51.100.7',
        ipSubnet: '198.51.100.0/24',
      };
      expect(other.decider.decide(request).decision).toBe('allow');
      const trip = await server.app.inject({
        method: 'POST',
        url: '/v1/breakers',
        headers: server.auth('operate'),
        payload: { scope: { prefix: '+998 977' }, action: 'block', note: 'pumping to +998 9777' },
      });
      expect(trip.statusCode, trip.body).toBe(201);
      await vi.waitFor(() => expect(other.decider.decide(request).decision).toBe('block'), { timeout: BREAKER_SYNC_MS * 5, interval: 50 });
    } finally {
      await other.stop();
    }
  });
});
