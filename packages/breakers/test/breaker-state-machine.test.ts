import { describe, expect, it } from 'vitest';
import {
  createBreaker,
  effectiveState,
  escalatedCooldownMs,
  MAX_ESCALATED_COOLDOWN_MS,
  nextDueAt,
  SYSTEM_ACTORS,
  transition,
  type Breaker,
  type BreakerEvent,
  type BreakerState,
} from '../src/index.ts';
import { HOUR_MS, MANUAL, MINUTE_MS, NOW_MS, openBreaker, spec } from './fixtures/breakers.ts';

const COOLDOWN_MS = 15 * MINUTE_MS;

function applied(breaker: Breaker, event: BreakerEvent, nowMs: number): Breaker {
  const result = transition(breaker, event, nowMs);
  if (!result.ok) throw new Error(result.error.message);
  return result.breaker;
}

function halfOpen(): Breaker {
  return applied(openBreaker(), { type: 'expire' }, NOW_MS + COOLDOWN_MS);
}

function closed(): Breaker {
  return applied(openBreaker(), { type: 'reset', actor: 'bob', note: 'false positive: campaign' }, NOW_MS + MINUTE_MS);
}

const IN_STATE: Record<BreakerState, () => Breaker> = { open: () => openBreaker(), half_open: halfOpen, closed };

describe('createBreaker', () => {
  it('opens the breaker at version 1 and writes the first audit entry', () => {
    const result = createBreaker(spec(), NOW_MS);
    expect(result).toEqual({
      ok: true,
      breaker: expect.objectContaining({
        version: 1,
        state: 'open',
        createdAt: NOW_MS,
        openedAt: NOW_MS,
        halfOpenAt: NOW_MS + COOLDOWN_MS,
        reopenCount: 0,
      }),
      audit: {
        breakerId: 'brk-1',
        version: 1,
        at: NOW_MS,
        event: 'create',
        fromState: null,
        toState: 'open',
        actor: SYSTEM_ACTORS.autoTrip,
        why: 'block country=GB prefix=+44 740 (enforce): anomaly anom-42',
      },
    });
  });

  it('names the person behind a manual breaker as the actor', () => {
    const result = createBreaker(spec({ reason: MANUAL }), NOW_MS);
    expect(result.ok && result.audit.actor).toBe('alice@fraud');
  });

  it.each([
    ['an empty scope', { scope: {} }, 'TG_BREAKER_SCOPE_INVALID'],
    ['a prefix without the space', { scope: { prefix: '+44740' } }, 'TG_BREAKER_SCOPE_INVALID'],
    ['a lower-case country', { scope: { country: 'gb' } }, 'TG_BREAKER_SCOPE_INVALID'],
    ['ASN 0', { scope: { asn: 0 } }, 'TG_BREAKER_SCOPE_INVALID'],
    ['an empty app', { scope: { app: '' } }, 'TG_BREAKER_SCOPE_INVALID'],
    ['an empty id', { id: '' }, 'TG_BREAKER_SETTING_INVALID'],
    ['a probe share above 1', { probeShare: 1.5 }, 'TG_BREAKER_SETTING_INVALID'],
    ['a cooldown under a second', { cooldownMs: 10 }, 'TG_BREAKER_SETTING_INVALID'],
    ['a throttle of 0 per minute', { action: { kind: 'throttle', perMinute: 0 } }, 'TG_BREAKER_SETTING_INVALID'],
    ['an expiry in the past', { expiresAt: NOW_MS - 1 }, 'TG_BREAKER_SETTING_INVALID'],
    ['a manual reason without a note', { reason: { kind: 'manual', actor: 'alice', note: ' ' } }, 'TG_BREAKER_SETTING_INVALID'],
    ['a manual reason without an actor', { reason: { kind: 'manual', actor: '', note: 'why' } }, 'TG_BREAKER_SETTING_INVALID'],
  ] as const)('refuses %s', (_name, overrides, code) => {
    expect(createBreaker(spec(overrides), NOW_MS)).toEqual({ ok: false, error: { code, message: expect.any(String) } });
  });
});

describe('transition', () => {
  it.each([
    ['trip', 'closed', { type: 'trip', reason: MANUAL, expiresAt: null }, 'open'],
    ['trip', 'half_open', { type: 'trip', reason: MANUAL, expiresAt: null }, 'open'],
    ['reset', 'open', { type: 'reset', actor: 'bob', note: 'campaign' }, 'closed'],
    ['reset', 'half_open', { type: 'reset', actor: 'bob', note: 'campaign' }, 'closed'],
    ['extend', 'open', { type: 'extend', actor: 'bob', note: 'still on', expiresAt: NOW_MS + 48 * HOUR_MS }, 'open'],
    ['extend', 'half_open', { type: 'extend', actor: 'bob', note: 'still on', expiresAt: null }, 'half_open'],
    ['probe_result (healthy)', 'half_open', { type: 'probe_result', healthy: true, conversion: 0.82, sends: 140 }, 'closed'],
    ['probe_result (unhealthy)', 'half_open', { type: 'probe_result', healthy: false, conversion: 0.03, sends: 140 }, 'open'],
  ] as const)('accepts %s from %s', (_name, from, event, to) => {
    const before = IN_STATE[from]();
    const result = transition(before, event, NOW_MS + 20 * MINUTE_MS);
    expect(result).toEqual({
      ok: true,
      breaker: expect.objectContaining({ state: to, version: before.version + 1, updatedAt: NOW_MS + 20 * MINUTE_MS }),
      audit: expect.objectContaining({ event: event.type, fromState: from, toState: to, version: before.version + 1 }),
    });
  });

  it.each([
    ['trip', 'open', { type: 'trip', reason: MANUAL, expiresAt: null }],
    ['reset', 'closed', { type: 'reset', actor: 'bob', note: 'again' }],
    ['extend', 'closed', { type: 'extend', actor: 'bob', note: 'x', expiresAt: null }],
    ['probe_result', 'open', { type: 'probe_result', healthy: true, conversion: 0.8, sends: 10 }],
    ['probe_result', 'closed', { type: 'probe_result', healthy: true, conversion: 0.8, sends: 10 }],
  ] as const)('refuses %s from %s as an invalid transition', (_name, from, event) => {
    const result = transition(IN_STATE[from](), event, NOW_MS + 20 * MINUTE_MS);
    expect(result.ok === false && result.error.code).toBe('TG_BREAKER_INVALID_TRANSITION');
  });

  it('refuses a change computed from a stale version, whatever the event', () => {
    const breaker = openBreaker();
    const result = transition(breaker, { type: 'reset', actor: 'bob', note: 'campaign', expectedVersion: 0 }, NOW_MS);
    expect(result).toEqual({ ok: false, error: { code: 'TG_BREAKER_VERSION_CONFLICT', message: expect.stringContaining('version 1') } });
  });

  it('accepts a change carrying the current version', () => {
    const result = transition(openBreaker(), { type: 'reset', actor: 'bob', note: 'campaign', expectedVersion: 1 }, NOW_MS);
    expect(result.ok).toBe(true);
  });

  it('records who reset the breaker and why', () => {
    const result = transition(openBreaker(), { type: 'reset', actor: 'bob', note: 'marketing campaign, not fraud' }, NOW_MS);
    expect(result.ok && result.audit).toMatchObject({ actor: 'bob', why: 'marketing campaign, not fraud' });
  });

  it('refuses an extension into the past', () => {
    const result = transition(openBreaker(), { type: 'extend', actor: 'bob', note: 'x', expiresAt: NOW_MS - 1 }, NOW_MS);
    expect(result.ok === false && result.error.code).toBe('TG_BREAKER_SETTING_INVALID');
  });

  it('refuses a probe conversion outside 0..1', () => {
    const result = transition(halfOpen(), { type: 'probe_result', healthy: true, conversion: 1.2, sends: 10 }, NOW_MS + HOUR_MS);
    expect(result.ok === false && result.error.code).toBe('TG_BREAKER_SETTING_INVALID');
  });
});

describe('time passing (expire)', () => {
  it.each([
    ['stays open before its cooldown ends', NOW_MS + COOLDOWN_MS - 1, { ok: false, code: 'TG_BREAKER_NOT_DUE' }],
    ['half-opens when its cooldown ends', NOW_MS + COOLDOWN_MS, { ok: true, state: 'half_open' }],
    ['closes at its expiry, even straight from open', NOW_MS + 6 * HOUR_MS, { ok: true, state: 'closed' }],
  ] as const)('an open breaker %s', (_name, atMs, expected) => {
    const result = transition(openBreaker(), { type: 'expire' }, atMs);
    if (expected.ok) expect(result).toMatchObject({ ok: true, breaker: { state: expected.state }, audit: { actor: SYSTEM_ACTORS.clock } });
    else expect(result).toMatchObject({ ok: false, error: { code: expected.code } });
  });

  it('closes a half-open breaker at its expiry', () => {
    expect(applied(halfOpen(), { type: 'expire' }, NOW_MS + 6 * HOUR_MS).state).toBe('closed');
  });

  it('never closes a breaker without expiry by time alone', () => {
    const forever = applied(openBreaker({ expiresAt: null }), { type: 'expire' }, NOW_MS + COOLDOWN_MS);
    expect(transition(forever, { type: 'expire' }, NOW_MS + 365 * 24 * HOUR_MS)).toMatchObject({
      ok: false,
      error: { code: 'TG_BREAKER_NOT_DUE' },
    });
  });
});

describe('failed probes', () => {
  it('re-open the breaker with a doubled cooldown each time, and a healthy probe resets the ladder', () => {
    let breaker = halfOpen();
    let nowMs = NOW_MS + COOLDOWN_MS;
    const waits: number[] = [];
    for (let failure = 0; failure < 3; failure++) {
      breaker = applied(breaker, { type: 'probe_result', healthy: false, conversion: 0.02, sends: 50 }, nowMs);
      waits.push(breaker.halfOpenAt! - nowMs);
      nowMs = breaker.halfOpenAt!;
      breaker = applied(breaker, { type: 'expire' }, nowMs);
    }
    expect(waits).toEqual([2 * COOLDOWN_MS, 4 * COOLDOWN_MS, 8 * COOLDOWN_MS]);
    breaker = applied(breaker, { type: 'probe_result', healthy: true, conversion: 0.8, sends: 50 }, nowMs);
    expect(breaker).toMatchObject({ state: 'closed', reopenCount: 0, openedAt: null, halfOpenAt: null });
  });

  it('escalate the cooldown up to a day and no further', () => {
    expect(escalatedCooldownMs(COOLDOWN_MS, 30)).toBe(MAX_ESCALATED_COOLDOWN_MS);
    expect(escalatedCooldownMs(2 * MAX_ESCALATED_COOLDOWN_MS, 0)).toBe(2 * MAX_ESCALATED_COOLDOWN_MS);
  });
});

describe('effectiveState and nextDueAt', () => {
  it.each([
    ['open before its cooldown', NOW_MS + MINUTE_MS, 'open'],
    ['half_open once the cooldown passed, before any expire event', NOW_MS + COOLDOWN_MS, 'half_open'],
    ['closed once expired, before any expire event', NOW_MS + 6 * HOUR_MS, 'closed'],
  ] as const)('reads an open breaker as %s', (_name, atMs, state) => {
    expect(effectiveState(openBreaker(), atMs)).toBe(state);
  });

  it.each([
    ['an open breaker is due at its cooldown end', openBreaker, NOW_MS + COOLDOWN_MS],
    ['an open breaker expiring first is due at its expiry', () => openBreaker({ expiresAt: NOW_MS + MINUTE_MS }), NOW_MS + MINUTE_MS],
    ['a half-open breaker is due at its expiry', halfOpen, NOW_MS + 6 * HOUR_MS],
    ['a closed breaker is never due', closed, null],
  ] as const)('%s', (_name, make, due) => {
    expect(nextDueAt(make())).toBe(due);
  });
});
