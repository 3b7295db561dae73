import { describe, expect, it } from 'vitest';
import { backoffMs, createVerifyLimiter, DEFAULT_VERIFY_LIMITS, type VerifyLimits, type VerifyRequest } from '../src/index.ts';
import { NOW_MS } from './fixtures/breakers.ts';
import { manualClock } from './fixtures/velocity.ts';

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;

const LOGIN: VerifyRequest = { app: 'shop', flow: 'login', sessionId: 'sess-1', ip: '81.2.69.160', phoneHash: 'phone-a' };
const RECOVERY: VerifyRequest = { ...LOGIN, flow: 'recovery', sessionId: 'sess-r' };

function limiterWith(limits: VerifyLimits = DEFAULT_VERIFY_LIMITS) {
  const clock = manualClock(NOW_MS);
  const limiter = createVerifyLimiter({ clock: clock.now, limits });
  /** Asks, and counts the attempt when allowed, as the decision path does. */
  const attempt = (request: VerifyRequest) => {
    const answer = limiter.check(request);
    if (answer.decision === 'allow') limiter.record(request);
    return answer;
  };
  let nextEvent = 0;
  const fail = (request: VerifyRequest) =>
    limiter.outcome({
      eventId: `v${nextEvent++}`,
      app: request.app,
      sessionId: request.sessionId,
      ip: request.ip,
      phoneHash: request.phoneHash,
      success: false,
    });
  return { clock, limiter, attempt, fail };
}

describe('backoff', () => {
  it.each([
    [0, 0],
    [1, 0],
    [2, 1_000],
    [3, 2_000],
    [4, 4_000],
    [9, 30_000],
  ])('after %i attempts of a session the next waits %i ms', (attempts, waitMs) => {
    expect(backoffMs(DEFAULT_VERIFY_LIMITS.defaults.session!, attempts)).toBe(waitMs);
  });
});

describe('verify attempts per session', () => {
  it('lets two attempts through at once, then backs off exponentially, and locks the session at the 5th', () => {
    const { clock, attempt } = limiterWith();
    expect(attempt(LOGIN).decision).toBe('allow');
    expect(attempt(LOGIN).decision).toBe('allow');
    expect(attempt(LOGIN)).toMatchObject({ decision: 'block', rule: 'verify_session', retryAfterS: 1, lockedOut: false });
    clock.advance(SECOND_MS);
    expect(attempt(LOGIN).decision).toBe('allow');
    expect(attempt(LOGIN)).toMatchObject({ decision: 'block', retryAfterS: 2 });
    clock.advance(2 * SECOND_MS);
    expect(attempt(LOGIN).decision).toBe('allow');
    clock.advance(4 * SECOND_MS);
    expect(attempt(LOGIN).decision).toBe('allow');
    // Five attempts: the session is spent for its hour, whatever the wait.
    clock.advance(10 * MINUTE_MS);
    expect(attempt(LOGIN)).toMatchObject({ decision: 'block', rule: 'verify_session', lockedOut: true, retryAfterS: 50 * 60 });
    clock.advance(50 * MINUTE_MS);
    expect(attempt(LOGIN).decision).toBe('allow');
  });

  it('gives recovery 3 attempts', () => {
    const { clock, attempt } = limiterWith();
    for (let i = 0; i < 3; i++) {
      expect(attempt(RECOVERY).decision).toBe('allow');
      clock.advance(MINUTE_MS);
    }
    expect(attempt(RECOVERY)).toMatchObject({ decision: 'block', lockedOut: true });
  });

  it('counts each session on its own', () => {
    const { attempt } = limiterWith();
    attempt(LOGIN);
    attempt(LOGIN);
    expect(attempt(LOGIN).decision).toBe('block');
    expect(attempt({ ...LOGIN, sessionId: 'sess-2' }).decision).toBe('allow');
  });

  it('clears a session when its code was right', () => {
    const { limiter, attempt } = limiterWith();
    attempt(LOGIN);
    attempt(LOGIN);
    limiter.outcome({ eventId: 'ok-1', app: 'shop', sessionId: LOGIN.sessionId, success: true });
    expect(attempt(LOGIN).decision).toBe('allow');
  });

  it('locks a session on its reported failures, for a service that tries codes without asking first', () => {
    const { limiter, fail } = limiterWith();
    // Distinct IPs and phones: only the session's ladder can add up.
    for (let i = 0; i < 5; i++) fail({ ...LOGIN, ip: `198.51.100.${i}`, phoneHash: `phone-${i}` });
    expect(limiter.check({ ...LOGIN, ip: '203.0.113.1', phoneHash: 'phone-x' })).toMatchObject({
      decision: 'block',
      rule: 'verify_session',
      lockedOut: true,
    });
  });

  it('counts an attempt asked about and then reported failed once', () => {
    const { clock, attempt, fail } = limiterWith();
    for (let i = 0; i < 4; i++) {
      expect(attempt(LOGIN).decision).toBe('allow');
      fail({ ...LOGIN, ip: `198.51.100.${i}`, phoneHash: `phone-${i}` });
      clock.advance(MINUTE_MS);
    }
    // Four attempts, four failures: the fifth is still allowed, and locks the session.
    expect(attempt(LOGIN).decision).toBe('allow');
    expect(attempt(LOGIN)).toMatchObject({ decision: 'block', rule: 'verify_session', lockedOut: true });
  });

  it("takes a ladder's newer state from the deployment and ignores an older one", () => {
    const { limiter } = limiterWith();
    const locked = { count: 0, failures: 5, firstMs: NOW_MS, lastMs: NOW_MS, lockedUntilMs: NOW_MS + 60 * MINUTE_MS, version: 7 };
    limiter.absorb('shop', 'session', LOGIN.sessionId, locked);
    expect(limiter.check(LOGIN)).toMatchObject({ decision: 'block', rule: 'verify_session', lockedOut: true });
    limiter.absorb('shop', 'session', LOGIN.sessionId, { ...locked, failures: 0, lockedUntilMs: 0, version: 6 });
    expect(limiter.check(LOGIN)).toMatchObject({ decision: 'block', rule: 'verify_session' });
    limiter.absorb('shop', 'session', LOGIN.sessionId, { ...locked, failures: 0, lockedUntilMs: 0, version: 8 });
    expect(limiter.check(LOGIN).decision).toBe('allow');
  });

  it('answers the ladder changes it made, for other nodes to share', () => {
    const { limiter } = limiterWith();
    expect(limiter.record(LOGIN)).toEqual([
      { ladder: 'session', key: LOGIN.sessionId, op: 'count', limit: DEFAULT_VERIFY_LIMITS.defaults.session },
    ]);
    const failed = { eventId: 'f-1', app: 'shop', sessionId: LOGIN.sessionId, ip: LOGIN.ip, phoneHash: LOGIN.phoneHash, success: false };
    expect(limiter.outcome(failed).map(({ ladder, op }) => `${ladder}:${op}`)).toEqual(['session:fail', 'ip:count', 'phone:count']);
    expect(limiter.outcome(failed)).toEqual([]);
    expect(limiter.outcome({ ...failed, eventId: 'ok-2', success: true }).map(({ ladder, op }) => `${ladder}:${op}`)).toEqual([
      'session:reset',
      'phone:reset',
    ]);
  });
});

describe('verify failures per IP and phone, from the reported outcomes', () => {
  it('locks an IP after 30 failures spread over many sessions, for 15 minutes', () => {
    const { clock, fail, attempt } = limiterWith();
    for (let i = 0; i < 30; i++) {
      fail({ ...LOGIN, sessionId: `spray-${i}`, phoneHash: `phone-${i}` });
      clock.advance(MINUTE_MS);
    }
    clock.advance(-MINUTE_MS);
    const fresh = { ...LOGIN, sessionId: 'spray-new', phoneHash: 'phone-new' };
    expect(attempt(fresh)).toMatchObject({ decision: 'block', rule: 'verify_ip', lockedOut: true, retryAfterS: 15 * 60 });
    clock.advance(15 * MINUTE_MS);
    expect(attempt(fresh).decision).toBe('allow');
  });

  it('backs a phone off after 3 failures and lets its owner in again after a success', () => {
    const { limiter, fail, attempt } = limiterWith();
    for (let i = 0; i < 3; i++) fail({ ...LOGIN, sessionId: `guess-${i}`, ip: `198.51.100.${i}` });
    const next = { ...LOGIN, sessionId: 'guess-3', ip: '198.51.100.9' };
    expect(attempt(next)).toMatchObject({ decision: 'block', rule: 'verify_phone', retryAfterS: 2, lockedOut: false });
    limiter.outcome({ eventId: 'owner-ok', app: 'shop', sessionId: 'owner', phoneHash: LOGIN.phoneHash, success: true });
    expect(attempt(next).decision).toBe('allow');
  });

  it('counts a retried outcome event once', () => {
    const { limiter, attempt } = limiterWith();
    const event = { eventId: 'same', app: 'shop', sessionId: 's', ip: '203.0.113.5', phoneHash: 'p', success: false };
    for (let i = 0; i < 5; i++) limiter.outcome(event);
    expect(attempt({ app: 'shop', flow: 'login', sessionId: 'other', ip: '203.0.113.5', phoneHash: 'p' }).decision).toBe('allow');
  });

  it('forgets failures a window after the first', () => {
    const { clock, fail, attempt } = limiterWith();
    for (let i = 0; i < 5; i++) fail({ ...LOGIN, sessionId: `s${i}` });
    expect(attempt({ ...LOGIN, sessionId: 'later' }).decision).toBe('block');
    clock.advance(60 * MINUTE_MS);
    expect(attempt({ ...LOGIN, sessionId: 'later' }).decision).toBe('allow');
  });
});
