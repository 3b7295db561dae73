import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createVelocityLimiter, type VelocityRequest, type WindowLimit } from '../src/index.ts';
import { HOUR_MS, NOW_MS } from './fixtures/breakers.ts';
import { REQUEST } from './fixtures/requests.ts';
import { manualClock, only } from './fixtures/velocity.ts';

/** Arrivals: a gap since the previous one and which of a few phones, IPs and subnets sent it. */
const arrivalArb = fc.record({
  gapMs: fc.oneof(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 20 * 60_000 })),
  phone: fc.integer({ min: 0, max: 3 }),
  host: fc.integer({ min: 0, max: 3 }),
  subnet: fc.integer({ min: 0, max: 1 }),
});
const limitArb = (windowsMs: fc.Arbitrary<number>): fc.Arbitrary<WindowLimit> =>
  fc.record({
    max: fc.integer({ min: 1, max: 6 }),
    windowMs: windowsMs,
    onExceed: fc.constantFrom('block', 'challenge') as fc.Arbitrary<'block' | 'challenge'>,
  });

/** The most allowed sends found in any window of `windowMs` ending at an allowed send. */
function busiestWindow(timesMs: readonly number[], windowMs: number): number {
  let most = 0;
  for (let end = 0; end < timesMs.length; end++) {
    let count = 0;
    for (let start = end; start >= 0 && timesMs[start]! > timesMs[end]! - windowMs; start--) count++;
    most = Math.max(most, count);
  }
  return most;
}

describe('velocity limits, for any arrival sequence', () => {
  it('never allow more than max sends per key in any window', () => {
    const windows = fc.integer({ min: 10_000, max: 2 * HOUR_MS });
    fc.assert(
      fc.property(
        fc.record({ phone: limitArb(windows), ip: limitArb(windows), ipv4Subnet: limitArb(windows), app: limitArb(windows) }),
        fc.array(arrivalArb, { maxLength: 200 }),
        (limits, arrivals) => {
          const clock = manualClock(NOW_MS);
          const limiter = createVelocityLimiter({ clock: clock.now, config: only(limits) });
          const allowed: { atMs: number; request: VelocityRequest }[] = [];
          for (const arrival of arrivals) {
            clock.advance(arrival.gapMs);
            const request = {
              ...REQUEST,
              phoneHash: `phone-${arrival.phone}`,
              ip: `81.2.${arrival.subnet}.${arrival.host}`,
              ipSubnet: `81.2.${arrival.subnet}.0/24`,
            };
            if (limiter.consume(request).decision === 'allow') allowed.push({ atMs: clock.now(), request });
          }
          const checks: [WindowLimit, (request: VelocityRequest) => string][] = [
            [limits.phone, (request) => request.phoneHash],
            [limits.ip, (request) => request.ip],
            [limits.ipv4Subnet, (request) => request.ipSubnet],
            [limits.app, (request) => request.app],
          ];
          for (const [limit, keyOf] of checks) {
            const timesByKey = new Map<string, number[]>();
            for (const { atMs, request } of allowed) timesByKey.set(keyOf(request), [...(timesByKey.get(keyOf(request)) ?? []), atMs]);
            for (const timesMs of timesByKey.values()) expect(busiestWindow(timesMs, limit.windowMs)).toBeLessThanOrEqual(limit.max);
          }
        },
      ),
    );
  });

  it('respect the resend ladder of a session: each resend waits its step, and no more resends than allowed', () => {
    const ladderArb = fc.record({
      cooldownsMs: fc.array(fc.integer({ min: 1_000, max: 180_000 }), { minLength: 1, maxLength: 4 }),
      maxResends: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(ladderArb, fc.array(fc.integer({ min: 0, max: 90_000 }), { maxLength: 60 }), (ladder, gapsMs) => {
        const clock = manualClock(NOW_MS);
        const session = { ...ladder, sessionTtlMs: HOUR_MS, onExceed: 'block' as const };
        const limiter = createVelocityLimiter({ clock: clock.now, config: only({ session }) });
        const sentAtMs: number[] = [];
        for (const gapMs of gapsMs) {
          clock.advance(gapMs);
          // Only one session's first hour is judged: past its TTL the session starts afresh by design.
          if (clock.now() - NOW_MS >= HOUR_MS) break;
          if (limiter.consume(REQUEST).decision === 'allow') sentAtMs.push(clock.now());
        }
        expect(sentAtMs.length).toBeLessThanOrEqual(1 + ladder.maxResends);
        for (let resend = 1; resend < sentAtMs.length; resend++) {
          const stepMs = ladder.cooldownsMs[Math.min(resend - 1, ladder.cooldownsMs.length - 1)]!;
          expect(sentAtMs[resend]! - sentAtMs[resend - 1]!).toBeGreaterThanOrEqual(stepMs);
        }
      }),
    );
  });

  it('give a retry-after that is honest: asking again after it, with nothing sent since, is allowed', () => {
    fc.assert(
      fc.property(
        limitArb(fc.integer({ min: 10_000, max: 2 * HOUR_MS })),
        fc.array(fc.integer({ min: 0, max: 600_000 }), { maxLength: 80 }),
        (limit, gapsMs) => {
          const clock = manualClock(NOW_MS);
          const limiter = createVelocityLimiter({ clock: clock.now, config: only({ phone: limit }) });
          for (const gapMs of gapsMs) {
            clock.advance(gapMs);
            const decision = limiter.consume(REQUEST);
            if (decision.decision === 'allow') continue;
            expect(decision.retryAfterS).toBeGreaterThanOrEqual(1);
            clock.advance(decision.retryAfterS * 1_000);
            expect(limiter.check(REQUEST).decision).toBe('allow');
          }
        },
      ),
    );
  });
});
