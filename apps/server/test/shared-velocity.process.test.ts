import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_VELOCITY_CONFIG } from '@tollgate/breakers';
import { spawnServer, type ChildServer } from './support/child-server.ts';
import { PROVISION_DEADLINE_MS } from './support/redis-binary.ts';
import { startRedis, type RedisServer } from './support/redis-server.ts';
import { TEST_ADMIN_KEY, TEST_HMAC_KEY } from './support/test-server.ts';

const PHONE_LIMIT = DEFAULT_VELOCITY_CONFIG.defaults.phone!.max;
// A Redis given by TOLLGATE_TEST_REDIS_URL keeps earlier runs' counters: this run's app is its own.
const APP = `shop-${randomUUID().slice(0, 8)}`;
const dirs: string[] = [];
let redis: RedisServer;
let a: ChildServer;
let b: ChildServer;

/** A decide-only node with a data directory of its own (its own store), sharing velocity through Redis. */
async function decisionNode(): Promise<ChildServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-shared-'));
  dirs.push(dataDir);
  return spawnServer({
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_ADMIN_KEY: TEST_ADMIN_KEY,
    TOLLGATE_HMAC_KEY: TEST_HMAC_KEY,
    TOLLGATE_ROLES: 'decide',
    REDIS_URL: redis.url,
  });
}

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([decisionNode(), decisionNode()]);
}, PROVISION_DEADLINE_MS);
afterAll(async () => {
  for (const node of [a, b]) {
    node?.process.kill('SIGTERM');
    await node?.exited;
  }
  await redis.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function metric(node: ChildServer, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

async function decide(node: ChildServer, i: number): Promise<string> {
  const res = await fetch(`${node.url}/v1/decide`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
    // One phone from many IPs and sessions: only the phone's counter can add up.
    body: JSON.stringify({ app: APP, flow: 'signup', phone: '+447911123456', ip: `198.51.100.${i}`, session_id: `shared-${i}` }),
  });
  expect(res.status).toBe(200);
  const answer = (await res.json()) as { decision: string };
  // The node's count of this send is back from Redis before the next request goes anywhere.
  await vi.waitFor(async () => expect(await metric(node, 'tollgate_velocity_sharing_pending_sends')).toBe(0), { timeout: 5_000 });
  return answer.decision;
}

describe('two decision nodes behind a load balancer (child processes, real Redis)', () => {
  it('hold one phone limit together: one send past it, where two unshared nodes would let twice the limit through', async () => {
    for (const node of [a, b])
      await vi.waitFor(async () => expect(await metric(node, 'tollgate_velocity_sharing_up')).toBe(1), { timeout: 10_000 });
    const decisions: string[] = [];
    for (let i = 0; i < 2 * PHONE_LIMIT; i++) decisions.push(await decide(i % 2 === 0 ? a : b, i));
    expect(decisions.filter((d) => d === 'allow')).toHaveLength(PHONE_LIMIT + 1);
    expect(decisions.slice(PHONE_LIMIT + 1).every((d) => d !== 'allow')).toBe(true);
  });

  it('go on deciding without Redis and say so in /readyz and the metrics', async () => {
    await redis.stop();
    await decide(a, 100).catch(() => undefined);
    await vi.waitFor(async () => expect(await metric(a, 'tollgate_velocity_sharing_up')).toBe(0), { timeout: 10_000 });
    const ready = await fetch(`${a.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> };
    expect(body.ready).toBe(true);
    expect(body.checks.velocity_sharing).toMatchObject({ ok: false, detail: expect.stringMatching(/this node's counters only/) });
    const res = await fetch(`${a.url}/v1/decide`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ app: APP, flow: 'signup', phone: '+447911999888', ip: '203.0.113.9', session_id: 'offline-1' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { decision: string }).decision).toBe('allow');
  });
});
