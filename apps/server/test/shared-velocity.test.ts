import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVelocityLimiter, DEFAULT_VELOCITY_CONFIG, type VelocityRequest } from '@tollgate/breakers';
import { createSharedVelocity, type SharedVelocity } from '../src/shared-velocity.ts';
import { PROVISION_DEADLINE_MS } from './support/redis-binary.ts';
import { startRedis, type RedisServer } from './support/redis-server.ts';

let redis: RedisServer;
const nodes: SharedVelocity[] = [];
// A Redis given by TOLLGATE_TEST_REDIS_URL keeps earlier runs' counters: this run's keys are its own.
const RUN = randomUUID().slice(0, 8);
beforeAll(async () => {
  redis = await startRedis();
}, PROVISION_DEADLINE_MS);
afterAll(async () => {
  for (const node of nodes) await node.close();
  await redis.stop();
});

const NOW = Date.parse('2026-11-20T10:00:00Z');
const PHONE_LIMIT = DEFAULT_VELOCITY_CONFIG.defaults.phone!.max;

/** A decision node: its own in-memory limiter, sharing counters through the test's Redis. */
async function node(name: string): Promise<SharedVelocity> {
  const prefix = `${RUN}:${name}`;
  const local = createVelocityLimiter({ clock: () => NOW, config: DEFAULT_VELOCITY_CONFIG });
  const shared = createSharedVelocity({ url: redis.url, local, config: DEFAULT_VELOCITY_CONFIG, clock: () => NOW, prefix });
  nodes.push(shared);
  await vi.waitFor(() => expect(shared.status().ok).toBe(true), { timeout: 5_000 });
  return shared;
}

// A different IP per send, so only the phone's counter can refuse.
const send = (phone: string, i: number): VelocityRequest => ({
  app: 'shop',
  phoneHash: phone,
  ip: `198.51.100.${i}`,
  ipSubnet: `198.51.${i}.0/24`,
});

describe('velocity counters shared through Redis', () => {
  it("refuses on the deployment's count: past the limit, at most one more send per node", async () => {
    const [a, b] = [await node('t1:'), await node('t1:')];
    const sendsA = PHONE_LIMIT - 2;
    for (let i = 0; i < sendsA; i++) a!.limiter.record(send('p1', i));
    await a!.flush();
    expect(b!.limiter.check(send('p1', 50)).decision).toBe('allow');
    b!.limiter.record(send('p1', 50));
    b!.limiter.record(send('p1', 51));
    await b!.flush();
    // B sent 2 itself and learnt A's sends from Redis's reply: the phone is at its limit for B.
    expect(b!.limiter.check(send('p1', 52))).toMatchObject({ decision: 'block', rule: 'phone' });
    // A has not recorded since: it lets one more through, learns B's sends with it, then refuses.
    expect(a!.limiter.check(send('p1', 60)).decision).toBe('allow');
    a!.limiter.record(send('p1', 60));
    await a!.flush();
    expect(a!.limiter.check(send('p1', 61))).toMatchObject({ decision: 'block', rule: 'phone' });
    // Another phone is untouched.
    expect(a!.limiter.check(send('p2', 62)).decision).toBe('allow');
  });

  it("keeps deciding on the node's own counters while Redis is down, says so, and shares again when it is back", async () => {
    const a = await node('t2:');
    await redis.stop();
    a.limiter.record(send('p4', 1));
    await a.flush();
    await vi.waitFor(
      () => expect(a.status()).toMatchObject({ ok: false, detail: expect.stringMatching(/Redis .*this node's counters only/) }),
      { timeout: 5_000 },
    );
    // Local counting goes on: the limit still holds on this node.
    for (let i = 2; i <= PHONE_LIMIT; i++) a.limiter.record(send('p4', i));
    expect(a.limiter.check(send('p4', 99))).toMatchObject({ decision: 'block', rule: 'phone' });

    redis = await startRedis(redis.port);
    await vi.waitFor(() => expect(a.status().ok).toBe(true), { timeout: 10_000 });
    const b = await node('t2:');
    b.limiter.record(send('p5', 1));
    await b.flush();
    expect(b.status()).toMatchObject({ ok: true, pending: 0 });
  });
});
