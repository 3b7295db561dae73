import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVerifyLimiter, DEFAULT_VERIFY_LIMITS, type VerifyOutcome, type VerifyRequest } from '@tollgate/breakers';
import { createSharedVerify, type SharedVerify } from '../src/shared-verify.ts';
import { startRedis, type RedisServer } from './support/redis-server.ts';

let redis: RedisServer;
const nodes: SharedVerify[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const node of nodes) await node.close();
  await redis.stop();
});

const NOW = Date.parse('2026-11-20T10:00:00Z');
const SESSION_LIMIT = DEFAULT_VERIFY_LIMITS.defaults.session!.maxAttempts;

/** A decision node: its own in-memory ladders, shared through the test's Redis. */
async function node(prefix: string): Promise<SharedVerify> {
  const local = createVerifyLimiter({ clock: () => NOW });
  const shared = createSharedVerify({ url: redis.url, local, clock: () => NOW, outcomeWindowMs: 3_600_000, prefix });
  nodes.push(shared);
  await vi.waitFor(() => expect(shared.status().ok).toBe(true), { timeout: 5_000 });
  return shared;
}

const ask = (sessionId: string, i = 0): VerifyRequest => ({
  app: 'shop',
  flow: 'login',
  sessionId,
  ip: `198.51.100.${i}`,
  phoneHash: `phone-${i}`,
});
const failed = (eventId: string, sessionId: string, i: number, phoneHash = `phone-${i}`): VerifyOutcome => ({
  eventId,
  app: 'shop',
  sessionId,
  ip: `203.0.113.${i}`,
  phoneHash,
  success: false,
});

describe('verify ladders shared through Redis', () => {
  it('locks on every node a session whose failed codes were reported to one', async () => {
    const [a, b] = [await node('v1:'), await node('v1:')];
    // Each failure from another IP and phone: only the session's ladder adds up.
    for (let i = 0; i < SESSION_LIMIT; i++) a.limiter.outcome(failed(`f-${i}`, 'brute', i));
    await a.flush();
    await vi.waitFor(() => expect(b.received()).toBeGreaterThanOrEqual(SESSION_LIMIT), { timeout: 5_000 });
    // B never saw the session: its first question is already refused.
    expect(b.limiter.check(ask('brute', 99))).toMatchObject({ decision: 'block', rule: 'verify_session', lockedOut: true });
    expect(b.limiter.check(ask('another', 99)).decision).toBe('allow');
  });

  it('adds up the attempts each node allowed for one session', async () => {
    const [a, b] = [await node('v2:'), await node('v2:')];
    for (let i = 0; i < 3; i++) a.limiter.record(ask('spread'));
    await a.flush();
    for (let i = 0; i < SESSION_LIMIT - 3; i++) b.limiter.record(ask('spread'));
    await b.flush();
    await vi.waitFor(
      () => expect(a.limiter.check(ask('spread'))).toMatchObject({ decision: 'block', rule: 'verify_session', lockedOut: true }),
      { timeout: 5_000 },
    );
    expect(b.limiter.check(ask('spread'))).toMatchObject({ decision: 'block', rule: 'verify_session', lockedOut: true });
  });

  it('counts a verify event once when its batch reaches two nodes', async () => {
    const [a, b] = [await node('v3:'), await node('v3:')];
    // Two failures on one phone, each reported to both nodes: counted twice they would pass the 3 free ones.
    for (const shared of [a, b]) {
      shared.limiter.outcome(failed('dup-1', 's1', 1, 'phone-shared'));
      shared.limiter.outcome(failed('dup-2', 's2', 2, 'phone-shared'));
      await shared.flush();
    }
    const third = { ...ask('s3', 3), phoneHash: 'phone-shared' };
    expect(a.limiter.check(third).decision).toBe('allow');
    expect(b.limiter.check(third).decision).toBe('allow');
    // A third failure reaches the backoff, on both.
    a.limiter.outcome(failed('dup-3', 's3', 3, 'phone-shared'));
    await a.flush();
    await vi.waitFor(() => expect(b.limiter.check(third)).toMatchObject({ decision: 'block', rule: 'verify_phone' }), { timeout: 5_000 });
  });

  it("keeps deciding on the node's own ladders while Redis is down, says so, and shares again when it is back", async () => {
    const a = await node('v4:');
    await redis.stop();
    for (let i = 0; i < SESSION_LIMIT; i++) a.limiter.outcome(failed(`down-${i}`, 'offline', i));
    await a.flush();
    await vi.waitFor(
      () => expect(a.status()).toMatchObject({ ok: false, detail: expect.stringMatching(/^Redis .*this node's verify ladders only/) }),
      { timeout: 5_000 },
    );
    expect(a.limiter.check(ask('offline'))).toMatchObject({ decision: 'block', rule: 'verify_session' });
    redis = await startRedis(redis.port);
    await vi.waitFor(() => expect(a.status().ok).toBe(true), { timeout: 10_000 });
    const b = await node('v4:');
    a.limiter.record(ask('back'));
    await a.flush();
    expect(a.status()).toMatchObject({ ok: true, pending: 0 });
    await vi.waitFor(() => expect(b.received()).toBeGreaterThanOrEqual(1), { timeout: 5_000 });
  });
});
