import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createBreakerIndex,
  createDecider,
  createVelocityLimiter,
  effectiveState,
  transition,
  type Breaker,
  type BreakerEvent,
} from '../src/index.ts';
import { HOUR_MS, MANUAL, MINUTE_MS, NOW_MS, openBreaker } from './fixtures/breakers.ts';
import { REQUEST } from './fixtures/requests.ts';
import { ALL_OFF } from './fixtures/velocity.ts';

/** Events with times relative to "now", and how the sender's version relates to the breaker's. */
type Step = {
  advanceMs: number;
  versioning: { kind: 'none' } | { kind: 'current' } | { kind: 'stale'; offset: number };
  event: (nowMs: number) => BreakerEvent;
};

const expiry = fc.oneof(fc.constant(null), fc.integer({ min: -HOUR_MS, max: 12 * HOUR_MS }));
const eventArb: fc.Arbitrary<Step['event']> = fc.oneof(
  fc.tuple(fc.boolean(), expiry).map(([manual, offset]) => (nowMs: number): BreakerEvent => ({
    type: 'trip',
    reason: manual ? MANUAL : { kind: 'anomaly', anomalyId: 'anom-7' },
    expiresAt: offset === null ? null : nowMs + offset,
  })),
  fc.constant(() => ({ type: 'reset', actor: 'bob', note: 'checked' }) as const),
  expiry.map((offset) => (nowMs: number): BreakerEvent => ({
    type: 'extend',
    actor: 'bob',
    note: 'more',
    expiresAt: offset === null ? null : nowMs + offset,
  })),
  fc.constant(() => ({ type: 'expire' }) as const),
  fc.tuple(fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(500)).map(
    ([healthy, conversion, sends]) =>
      () =>
        ({ type: 'probe_result', healthy, conversion, sends }) as const,
  ),
);
const stepArb: fc.Arbitrary<Step> = fc.record({
  advanceMs: fc.oneof(fc.integer({ min: 0, max: MINUTE_MS }), fc.integer({ min: 0, max: 8 * HOUR_MS })),
  versioning: fc.oneof(
    fc.constant({ kind: 'none' } as const),
    fc.constant({ kind: 'current' } as const),
    fc
      .integer({ min: -3, max: 3 })
      .filter((offset) => offset !== 0)
      .map((offset) => ({ kind: 'stale', offset }) as const),
  ),
  event: eventArb,
});
/** A breaker opened at NOW_MS that blocks or challenges, with or without an expiry. */
const startArb: fc.Arbitrary<Breaker> = fc
  .record({
    action: fc.constantFrom({ kind: 'block' } as const, { kind: 'challenge' } as const),
    expiresAfterMs: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 24 * HOUR_MS })),
  })
  .map(({ action, expiresAfterMs }) => openBreaker({ action, expiresAt: expiresAfterMs === null ? null : NOW_MS + expiresAfterMs }));

/** The decision the breaker alone produces for a covered request at `nowMs`. */
function decisionOf(breaker: Breaker, nowMs: number) {
  const decider = createDecider({
    index: createBreakerIndex([breaker]),
    limiter: createVelocityLimiter({ clock: () => nowMs, config: { defaults: ALL_OFF, apps: {} } }),
    clock: () => nowMs,
    // Never a probe: a half-open breaker then acts like an open one, the strictest case.
    random: () => 1,
  });
  return decider.decide(REQUEST).decision;
}

function checkShape(breaker: Breaker): void {
  if (breaker.state === 'closed') {
    expect(breaker).toMatchObject({ openedAt: null, halfOpenAt: null, reopenCount: 0 });
  } else if (breaker.state === 'open') {
    expect(breaker.openedAt).not.toBeNull();
    expect(breaker.halfOpenAt).toBeGreaterThan(breaker.openedAt!);
  } else {
    expect(breaker.halfOpenAt).toBeNull();
  }
}

describe('breaker state machine, for any sequence of events', () => {
  it('bumps the version by one on every accepted change, never on a refused one, and refuses every stale version', () => {
    fc.assert(
      fc.property(startArb, fc.array(stepArb, { maxLength: 40 }), (start, steps) => {
        let breaker = start;
        let nowMs = NOW_MS;
        for (const step of steps) {
          nowMs += step.advanceMs;
          const expectedVersion =
            step.versioning.kind === 'none' ? undefined : breaker.version + (step.versioning.kind === 'stale' ? step.versioning.offset : 0);
          const before = structuredClone(breaker);
          const result = transition(breaker, { ...step.event(nowMs), expectedVersion }, nowMs);
          expect(breaker).toEqual(before);
          if (step.versioning.kind === 'stale') {
            expect(result.ok === false && result.error.code).toBe('TG_BREAKER_VERSION_CONFLICT');
            continue;
          }
          if (!result.ok) continue;
          expect(result.breaker.version).toBe(breaker.version + 1);
          expect(result.audit).toMatchObject({
            breakerId: breaker.id,
            version: result.breaker.version,
            at: nowMs,
            fromState: breaker.state,
            toState: result.breaker.state,
          });
          expect(result.audit.actor).not.toBe('');
          checkShape(result.breaker);
          breaker = result.breaker;
        }
      }),
    );
  });

  it('never blocks or challenges once closed, closes once expired, and acts while open', () => {
    fc.assert(
      fc.property(startArb, fc.array(stepArb, { maxLength: 30 }), (start, steps) => {
        let breaker = start;
        let nowMs = NOW_MS;
        for (const step of steps) {
          nowMs += step.advanceMs;
          const result = transition(breaker, step.event(nowMs), nowMs);
          if (result.ok) breaker = result.breaker;
          const state = effectiveState(breaker, nowMs);
          const expired = breaker.expiresAt !== null && nowMs >= breaker.expiresAt;
          if (expired) {
            expect(state).toBe('closed');
            if (breaker.state !== 'closed')
              expect(transition(breaker, { type: 'expire' }, nowMs)).toMatchObject({ ok: true, breaker: { state: 'closed' } });
          }
          expect(decisionOf(breaker, nowMs)).toBe(state === 'closed' ? 'allow' : breaker.action.kind);
        }
      }),
    );
  });
});
