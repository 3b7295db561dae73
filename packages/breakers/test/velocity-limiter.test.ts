import { describe, expect, it } from 'vitest';
import { createVelocityLimiter, DEFAULT_VELOCITY_LIMITS, emptyVelocityCounts, type VelocityRequest } from '../src/index.ts';
import { HOUR_MS, MINUTE_MS, NOW_MS } from './fixtures/breakers.ts';
import { REQUEST } from './fixtures/requests.ts';
import { manualClock, only } from './fixtures/velocity.ts';

const SEND: VelocityRequest = REQUEST;

function limiterWith(config: ReturnType<typeof only>) {
  const clock = manualClock(NOW_MS);
  return { clock, limiter: createVelocityLimiter({ clock: clock.now, config }) };
}

describe('window rules', () => {
  it.each([
    [
      'phone',
      { phone: { max: 5, windowMs: HOUR_MS, onExceed: 'block' } },
      (n: number) => ({ ...SEND, ip: `81.2.${n}.1`, ipSubnet: `81.2.${n}.0/24` }),
      'block',
    ],
    ['ip', { ip: { max: 5, windowMs: HOUR_MS, onExceed: 'challenge' } }, (n: number) => ({ ...SEND, phoneHash: `p${n}` }), 'challenge'],
    [
      'ipv4_subnet',
      { ipv4Subnet: { max: 5, windowMs: HOUR_MS, onExceed: 'challenge' } },
      (n: number) => ({ ...SEND, phoneHash: `p${n}`, ip: `81.2.69.${n}` }),
      'challenge',
    ],
    [
      'ipv6_subnet',
      { ipv6Subnet: { max: 5, windowMs: HOUR_MS, onExceed: 'challenge' } },
      (n: number) => ({ ...SEND, phoneHash: `p${n}`, ip: `2a00:23c5:1:2::${n}`, ipSubnet: '2a00:23c5:1:2::/64' }),
      'challenge',
    ],
    [
      'app_ceiling',
      { app: { max: 5, windowMs: MINUTE_MS, onExceed: 'challenge' } },
      (n: number) => ({ ...SEND, phoneHash: `p${n}`, sessionId: `s${n}` }),
      'challenge',
    ],
    [
      'account_hour',
      { accountHour: { max: 5, windowMs: HOUR_MS, onExceed: 'block' } },
      (n: number) => ({
        ...SEND,
        accountHash: 'acct-1',
        phoneHash: `p${n}`,
        ip: `81.2.${n}.1`,
        ipSubnet: `81.2.${n}.0/24`,
        sessionId: `s${n}`,
      }),
      'block',
    ],
    [
      'account_day',
      { accountDay: { max: 5, windowMs: 24 * HOUR_MS, onExceed: 'block' } },
      (n: number) => ({
        ...SEND,
        accountHash: 'acct-1',
        phoneHash: `p${n}`,
        ip: `81.2.${n}.1`,
        ipSubnet: `81.2.${n}.0/24`,
        sessionId: `s${n}`,
      }),
      'block',
    ],
  ] as const)('the %s rule lets 5 sends through, then refuses the 6th', (rule, limits, sendNumber, outcome) => {
    const { limiter } = limiterWith(only(limits));
    const decisions = Array.from({ length: 6 }, (_, n) => limiter.consume(sendNumber(n)).decision);
    expect(decisions).toEqual(['allow', 'allow', 'allow', 'allow', 'allow', outcome]);
    expect(limiter.check(sendNumber(6))).toMatchObject({
      decision: outcome,
      rule,
      retryAfterS: expect.any(Number),
      detail: expect.stringContaining('limit 5'),
    });
  });

  it('tells the caller how long to wait, and lets it through once it has waited that long', () => {
    const { clock, limiter } = limiterWith(only({ phone: { max: 2, windowMs: HOUR_MS, onExceed: 'block' } }));
    limiter.consume(SEND);
    clock.advance(20 * MINUTE_MS);
    limiter.consume(SEND);
    clock.advance(MINUTE_MS);
    const refused = limiter.consume(SEND);
    expect(refused).toMatchObject({ decision: 'block', rule: 'phone' });
    if (refused.decision === 'allow') return;
    // The first send leaves the window an hour (plus at most one tenth-of-window bucket) after it was made.
    expect(refused.retryAfterS * 1_000).toBeGreaterThanOrEqual(HOUR_MS - 21 * MINUTE_MS);
    expect(refused.retryAfterS * 1_000).toBeLessThanOrEqual(HOUR_MS + HOUR_MS / 10 - 21 * MINUTE_MS);
    clock.advance(refused.retryAfterS * 1_000 - 1);
    expect(limiter.check(SEND).decision).toBe('block');
    clock.advance(1);
    expect(limiter.check(SEND).decision).toBe('allow');
  });

  it('counts nothing on check, only on record', () => {
    const { limiter } = limiterWith(only({ phone: { max: 1, windowMs: HOUR_MS, onExceed: 'block' } }));
    for (let n = 0; n < 10; n++) expect(limiter.check(SEND).decision).toBe('allow');
    limiter.record(SEND);
    expect(limiter.check(SEND).decision).toBe('block');
  });

  it('keeps each app to its own counters and limits', () => {
    const config = only(
      { phone: { max: 5, windowMs: HOUR_MS, onExceed: 'block' } },
      { bank: { phone: { max: 2, windowMs: HOUR_MS, onExceed: 'block' } } },
    );
    const { limiter } = limiterWith(config);
    const bank = { ...SEND, app: 'bank' };
    expect([1, 2, 3].map(() => limiter.consume(bank).decision)).toEqual(['allow', 'allow', 'block']);
    expect([1, 2, 3].map(() => limiter.consume(SEND).decision)).toEqual(['allow', 'allow', 'allow']);
  });

  it('refuses every send under a limit of 0', () => {
    const { limiter } = limiterWith(only({ app: { max: 0, windowMs: MINUTE_MS, onExceed: 'block' } }));
    expect(limiter.check(SEND)).toMatchObject({ decision: 'block', rule: 'app_ceiling', retryAfterS: 60 });
  });

  it('does not pool sends of unknown subnet into one counter', () => {
    const { limiter } = limiterWith(only({ ipv4Subnet: { max: 1, windowMs: HOUR_MS, onExceed: 'challenge' } }));
    const unknown = { ...SEND, ipSubnet: '' };
    expect([1, 2, 3].map(() => limiter.consume(unknown).decision)).toEqual(['allow', 'allow', 'allow']);
  });

  it('prefers a block to a challenge, whatever the order of the rules', () => {
    const { limiter } = limiterWith(
      only({ phone: { max: 1, windowMs: HOUR_MS, onExceed: 'block' }, ip: { max: 1, windowMs: HOUR_MS, onExceed: 'challenge' } }),
    );
    limiter.consume(SEND);
    expect(limiter.check(SEND)).toMatchObject({ decision: 'block', rule: 'phone' });
  });
});

describe('unknown addresses', () => {
  it('counts sends without an address (the empty one) under no IP: a service proxying for many users is not one user', () => {
    const { limiter } = limiterWith(only({ ip: { max: 5, windowMs: HOUR_MS, onExceed: 'challenge' } }));
    const decisions = Array.from({ length: 20 }, (_, n) => limiter.consume({ ...SEND, phoneHash: `p${n}`, ip: '', ipSubnet: '' }).decision);
    expect(new Set(decisions)).toEqual(new Set(['allow']));
    const counts = emptyVelocityCounts();
    limiter.observe({ ...SEND, ip: '', ipSubnet: '' }, counts);
    expect(counts.ip).toBe(0);
  });
});

describe('session resend ladder (30 s -> 60 s -> 120 s, 3 resends)', () => {
  const ladder = only({ session: DEFAULT_VELOCITY_LIMITS.session });

  it.each([
    ['the first resend before 30 s', [0], 29_000, { decision: 'block', rule: 'session_cooldown', retryAfterS: 1 }],
    ['the first resend at 30 s', [0], 30_000, { decision: 'allow' }],
    ['the second resend before 60 s', [0, 30_000], 89_000, { decision: 'block', rule: 'session_cooldown', retryAfterS: 1 }],
    ['the second resend at 60 s', [0, 30_000], 90_000, { decision: 'allow' }],
    ['the third resend before 120 s', [0, 30_000, 90_000], 200_000, { decision: 'block', rule: 'session_cooldown', retryAfterS: 10 }],
    ['the third resend at 120 s', [0, 30_000, 90_000], 210_000, { decision: 'allow' }],
    ['a fourth resend, however late', [0, 30_000, 90_000, 210_000], 1_800_000, { decision: 'block', rule: 'session_resends' }],
    ['a send once the session is forgotten (1 h)', [0, 30_000, 90_000, 210_000], HOUR_MS, { decision: 'allow' }],
  ] as const)('%s', (_name, earlierSendsAtMs, askAtMs, expected) => {
    const { clock, limiter } = limiterWith(ladder);
    for (const atMs of earlierSendsAtMs) {
      clock.set(NOW_MS + atMs);
      expect(limiter.consume(SEND).decision).toBe('allow');
    }
    clock.set(NOW_MS + askAtMs);
    expect(limiter.check(SEND)).toMatchObject(expected);
  });

  it('applies no ladder to a request without a session', () => {
    const { limiter } = limiterWith(ladder);
    const { sessionId: _omitted, ...sessionless } = SEND;
    expect([1, 2, 3].map(() => limiter.consume(sessionless).decision)).toEqual(['allow', 'allow', 'allow']);
  });
});

describe('bounded memory', () => {
  it('holds no more keys than its cap and counts what it dropped', () => {
    const clock = manualClock(NOW_MS);
    const limiter = createVelocityLimiter({
      clock: clock.now,
      config: only({ phone: DEFAULT_VELOCITY_LIMITS.phone }),
      maxKeysPerTable: 100,
    });
    for (let n = 0; n < 1_000; n++) limiter.record({ ...SEND, phoneHash: `p${n}` });
    const { phone } = limiter.stats().tables;
    expect(phone.keys).toBeLessThanOrEqual(100);
    expect(phone.keys + phone.evicted).toBe(1_000);
  });

  it.each([
    [
      'a record of another phone',
      (limiter: ReturnType<typeof createVelocityLimiter>, n: number) => limiter.record({ ...SEND, phoneHash: `other${n}` }),
    ],
    [
      'a check of another phone',
      (limiter: ReturnType<typeof createVelocityLimiter>, n: number) => limiter.check({ ...SEND, phoneHash: `other${n}` }),
    ],
    [
      'an absorb of remote sends',
      (limiter: ReturnType<typeof createVelocityLimiter>, n: number) => limiter.absorb({ ...SEND, phoneHash: `other${n}` }, { phone: 1 }),
    ],
  ])('counts a checked send that %s came between check and record for, even after its counter was dropped', (_name, between) => {
    const clock = manualClock(NOW_MS);
    const limiter = createVelocityLimiter({
      clock: clock.now,
      config: only({ phone: { max: 2, windowMs: HOUR_MS, onExceed: 'block' } }),
      maxKeysPerTable: 4,
    });
    limiter.record(SEND);
    expect(limiter.check(SEND).decision).toBe('allow');
    // Enough other phones to turn both generations over and drop SEND's counter.
    for (let n = 0; n < 8; n++) between(limiter, n);
    limiter.record(SEND);
    limiter.record(SEND);
    expect(limiter.check(SEND)).toMatchObject({ decision: 'block', rule: 'phone' });
  });
});

describe('account limits', () => {
  const ACCOUNT = {
    accountHour: { max: 2, windowMs: HOUR_MS, onExceed: 'block' },
    accountDay: { max: 3, windowMs: 24 * HOUR_MS, onExceed: 'block' },
  } as const;
  const forAccount = (accountHash: string | undefined, n: number): VelocityRequest => ({
    ...SEND,
    accountHash,
    sessionId: `s${n}`,
    phoneHash: `p${n}`,
  });

  it('stops harassment of one account over the hour, then over the day, whatever phones and sessions it uses', () => {
    const { clock, limiter } = limiterWith(only(ACCOUNT));
    expect([0, 1, 2].map((n) => limiter.consume(forAccount('victim', n)).decision)).toEqual(['allow', 'allow', 'block']);
    expect(limiter.check(forAccount('victim', 3))).toMatchObject({ rule: 'account_hour', detail: expect.stringContaining('this account') });
    clock.advance(HOUR_MS + 6 * MINUTE_MS);
    expect(limiter.consume(forAccount('victim', 4)).decision).toBe('allow');
    clock.advance(HOUR_MS + 6 * MINUTE_MS);
    expect(limiter.consume(forAccount('victim', 5))).toMatchObject({ decision: 'block', rule: 'account_day' });
  });

  it('counts each account apart and leaves requests without one alone', () => {
    const { limiter } = limiterWith(only(ACCOUNT));
    limiter.consume(forAccount('a', 0));
    limiter.consume(forAccount('a', 1));
    expect(limiter.consume(forAccount('b', 2)).decision).toBe('allow');
    expect([3, 4, 5].map((n) => limiter.consume(forAccount(undefined, n)).decision)).toEqual(['allow', 'allow', 'allow']);
  });

  it('reports the account count to the risk score', () => {
    const { limiter } = limiterWith(only(ACCOUNT));
    limiter.consume(forAccount('a', 0));
    const counts = emptyVelocityCounts();
    limiter.observe(forAccount('a', 1), counts);
    expect(counts).toMatchObject({ account: 1, accountMax: 2 });
  });
});
