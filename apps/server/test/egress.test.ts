import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResolvedAddress } from '@tollgate/egress';
import { openTestServer, RULES_DIR, type TestServer } from './support/test-server.ts';

// What host names resolve to, changed by the tests: the stand-in for DNS.
const dns = new Map<string, ResolvedAddress[]>();
let server: TestServer;
let receiver: Server;
let port: number;
const received: string[] = [];

// The shipped rules, with the fraud owner's webhook pointed at the metadata service.
const rulesDir = mkdtempSync(join(tmpdir(), 'tollgate-egress-rules-'));

beforeAll(async () => {
  cpSync(RULES_DIR, rulesDir, { recursive: true });
  const owners = readFileSync(join(rulesDir, 'owners.yaml'), 'utf8');
  writeFileSync(
    join(rulesDir, 'owners.yaml'),
    owners.replace('    slack: "#fraud-oncall"\n', '    slack: "#fraud-oncall"\n    webhook: http://169.254.169.254/latest/meta-data/\n'),
  );
  // No TOLLGATE_EGRESS_ALLOW: nothing internal may be reached.
  server = await openTestServer('egress', {
    resolve: async (host) => dns.get(host) ?? [],
    alertingEnv: { TOLLGATE_RULES_DIR: rulesDir, TOLLGATE_ALERT_WEBHOOK_SECRET: 'whsec_test' },
  });
  receiver = createServer((req, res) => {
    received.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(async () => {
  await server.close();
  receiver.close();
  rmSync(rulesDir, { recursive: true, force: true });
});

const subscribe = (url: string) =>
  server.app.inject({ method: 'POST', url: '/v1/webhooks', headers: server.auth('operate'), payload: { url } });

describe('webhook targets (server-side request forgery)', () => {
  it.each([
    ['loopback', () => `http://127.0.0.1:${port}/hook`, 'loopback'],
    ['the cloud metadata service', () => 'http://169.254.169.254/latest/meta-data/iam/', 'metadata'],
    ['a private network', () => 'https://10.0.0.5/hook', 'private'],
    ['IPv6 loopback', () => `http://[::1]:${port}/hook`, 'loopback'],
    [
      'a name resolving to a unique-local address',
      () => (dns.set('ula.example', [{ address: 'fd00::5', family: 6 }]), 'https://ula.example/hook'),
      'unique-local',
    ],
  ])('refuses %s at subscription with 400 naming the field and the reason', async (_what, url, range) => {
    const res = await subscribe(url());
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'TG_EGRESS_REFUSED', field: 'url', details: { reason: 'refused_address', range } });
    expect(res.json().error.message).toContain(range);
  });

  it('answers a URL that does not parse as an invalid request', async () => {
    const res = await subscribe('http://hooks.example:99999/');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'TG_REQUEST_INVALID', field: 'url' });
  });

  it('refuses at delivery a host that resolved to a public address when subscribed and to loopback since', async () => {
    dns.set('hooks.example', [{ address: '203.0.113.40', family: 4 }]);
    const sub = await subscribe(`http://hooks.example:${port}/rebound`);
    expect(sub.statusCode).toBe(201);
    dns.set('hooks.example', [{ address: '127.0.0.1', family: 4 }]);
    const trip = await server.app.inject({
      method: 'POST',
      url: '/v1/breakers',
      headers: server.auth('operate'),
      payload: { scope: { country: 'UZ' }, action: 'block', note: 'pumping' },
    });
    expect(trip.statusCode).toBe(201);
    await server.decisions.dispatcher.runDue();
    expect(received).not.toContain('/rebound');
    const log = await server.app.inject({
      method: 'GET',
      url: `/v1/webhooks/${sub.json().id}/deliveries`,
      headers: server.auth('operate'),
    });
    expect(log.json()[0]).toMatchObject({
      attempts: 1,
      last_error: expect.stringContaining('hooks.example resolves to 127.0.0.1, a loopback address'),
    });
  });

  it("lists an owner's alert webhook the guard refuses in GET /v1/rules, from the moment the rules load", async () => {
    await vi.waitFor(
      async () => {
        const rules = await server.app.inject({ method: 'GET', url: '/v1/rules', headers: server.auth('read') });
        expect(rules.json().refusedWebhooks).toEqual([
          { owner: 'fraud', url: 'http://169.254.169.254/latest/meta-data/', reason: expect.stringContaining('metadata address') },
        ]);
      },
      { timeout: 5_000 },
    );
  });
});
