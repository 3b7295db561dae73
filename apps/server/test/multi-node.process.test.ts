/**
 * Two ingest-and-decide nodes behind a load balancer, each a real server process with its own
 * embedded store, sharing one real redis-server: what one node stored or counted holds on the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnServer, type ChildServer } from './support/child-server.ts';
import { ndjson, sendEvent, T0, verifyEvent } from '@tollgate/events/testing';
import { startRedis, type RedisServer } from './support/redis-server.ts';
import { TEST_ADMIN_KEY, TEST_HMAC_KEY } from './support/test-server.ts';

const ROLES = 'ingest,decide,web';
const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const dirs: string[] = [];
const nodes: ChildServer[] = [];
let redis: RedisServer;
let a: ChildServer;
let b: ChildServer;

async function node(env: Record<string, string>): Promise<ChildServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-multi-node-'));
  dirs.push(dataDir);
  const child = await spawnServer({
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_ADMIN_KEY: TEST_ADMIN_KEY,
    TOLLGATE_HMAC_KEY: TEST_HMAC_KEY,
    TOLLGATE_ROLES: ROLES,
    ...env,
  });
  nodes.push(child);
  return child;
}

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([node({ REDIS_URL: redis.url }), node({ REDIS_URL: redis.url })]);
  for (const n of [a, b]) {
    await vi.waitFor(
      async () => {
        expect(await metric(n, 'tollgate_event_dedup_shared')).toBe(1);
        expect(await metric(n, 'tollgate_verify_sharing_up')).toBe(1);
      },
      { timeout: 10_000 },
    );
  }
});
afterAll(async () => {
  for (const child of nodes) {
    child.process.kill('SIGTERM');
    await child.exited;
  }
  await redis.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function metric(n: ChildServer, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${n.url}/metrics`, { headers })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

async function post(n: ChildServer, path: string, body: string, contentType = 'application/x-ndjson') {
  const res = await fetch(`${n.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': contentType }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Sends this node's store holds in the test's hours, read through its traffic API. */
async function storedSends(n: ChildServer): Promise<number> {
  const res = await fetch(`${n.url}/v1/metrics/traffic?interval=1d&fields=sends&from=${T0 - 3_600_000}&to=${T0 + 86_400_000}`, { headers });
  expect(res.status).toBe(200);
  const { series } = (await res.json()) as { series: { points: { sends: number }[] }[] };
  return series.flatMap((s) => s.points).reduce((total, p) => total + p.sends, 0);
}

const decideVerify = (n: ChildServer, sessionId: string) =>
  post(
    n,
    '/v1/decide',
    JSON.stringify({ action: 'verify', app: 'shop', flow: 'signup', session_id: sessionId, ip: '198.51.100.77' }),
    'application/json',
  );

describe('two nodes sharing one Redis (child processes, own stores)', () => {
  it('stores a batch retried against the other node once, and answers it there as duplicates', async () => {
    const batch = ndjson(Array.from({ length: 10 }, (_, i) => sendEvent(i)));
    expect(await post(a, '/v1/events/send', batch)).toMatchObject({ status: 200, body: { accepted: 10, duplicates: 0 } });
    expect(await post(b, '/v1/events/send', batch)).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 10 } });
    // Half old, half new: B stores the new half only.
    expect(await post(b, '/v1/events/send', ndjson(Array.from({ length: 10 }, (_, i) => sendEvent(i + 5))))).toMatchObject({
      status: 200,
      body: { accepted: 5, duplicates: 5 },
    });
    expect(await storedSends(a)).toBe(10);
    expect(await storedSends(b)).toBe(5);
  });

  it('locks on one node a session whose failed codes were ingested by the other', async () => {
    // Five wrong codes for one session, reported to A (each from another address: only the session adds up).
    const failures = Array.from({ length: 5 }, (_, i) =>
      verifyEvent(100 + i, false, { event_id: `brute-${i}`, session_id: 'brute-session', ip: `203.0.113.${i}` }),
    );
    expect(await post(a, '/v1/events/verify', ndjson(failures))).toMatchObject({ status: 200, body: { accepted: 5 } });
    await vi.waitFor(async () => expect(await metric(a, 'tollgate_verify_sharing_pending_changes')).toBe(0), { timeout: 5_000 });
    await vi.waitFor(async () => expect(await metric(b, 'tollgate_verify_sharing_received_total')).toBeGreaterThanOrEqual(5), {
      timeout: 5_000,
    });
    // B never heard of the session: its first answer is already the lockout.
    const refused = await decideVerify(b, 'brute-session');
    expect(refused).toMatchObject({ status: 200, body: { decision: 'block', reasons: [{ code: 'verify_session' }] } });
    expect(refused.body.retry_after_s).toBeGreaterThan(0);
    expect((await decideVerify(b, 'honest-session')).body).toMatchObject({ decision: 'allow' });
  });

  it('refuses webhooks to loopback and the metadata service on every node', async () => {
    for (const n of [a, b]) {
      for (const url of [`http://127.0.0.1:${new URL(n.url).port}/hook`, 'http://169.254.169.254/latest/meta-data/']) {
        const res = await post(n, '/v1/webhooks', JSON.stringify({ url }), 'application/json');
        expect(res).toMatchObject({ status: 400, body: { error: { code: 'TG_EGRESS_REFUSED', field: 'url' } } });
      }
    }
  });

  it('says in /readyz and the metrics when dedup falls back to each node, with Redis down or without REDIS_URL', async () => {
    const alone = await node({});
    const aloneReady = (await (await fetch(`${alone.url}/readyz`)).json()) as {
      ready: boolean;
      checks: Record<string, { ok: boolean; detail: string }>;
    };
    expect(aloneReady.checks.event_dedup).toEqual({ ok: true, detail: expect.stringMatching(/^per node/) });
    expect(await metric(alone, 'tollgate_event_dedup_shared')).toBe(0);

    await redis.stop();
    // The node goes on storing, on its own window.
    expect(await post(a, '/v1/events/send', ndjson([sendEvent(50)]))).toMatchObject({ status: 200, body: { accepted: 1 } });
    await vi.waitFor(
      async () => {
        expect(await metric(a, 'tollgate_event_dedup_shared')).toBe(0);
        expect(await metric(a, 'tollgate_verify_sharing_up')).toBe(0);
      },
      { timeout: 10_000 },
    );
    const ready = await fetch(`${a.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> };
    expect(body.ready).toBe(true);
    expect(body.checks.event_dedup).toMatchObject({ ok: false, detail: expect.stringMatching(/this node's window only/) });
    expect(body.checks.verify_sharing).toMatchObject({ ok: false, detail: expect.stringMatching(/this node's verify ladders only/) });
  });
});
