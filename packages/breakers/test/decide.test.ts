import { describe, expect, it } from 'vitest';
import {
  compileAllowlist,
  createBreakerIndex,
  createDecider,
  createRiskAssessor,
  createVelocityLimiter,
  createVerifyLimiter,
  DEFAULT_RISK_POLICY,
  DEFAULT_VELOCITY_LIMITS,
  transition,
  type Breaker,
  type BreakerSpec,
  type ScopeStats,
  type VelocityConfig,
} from '../src/index.ts';
import { HOUR_MS, MINUTE_MS, NOW_MS, openBreaker } from './fixtures/breakers.ts';
import { REQUEST } from './fixtures/requests.ts';
import { seededRandom } from './fixtures/seeded-random.ts';
import { ALL_OFF, manualClock, only } from './fixtures/velocity.ts';

function deciderFor(breakers: Breaker[], options: { velocity?: VelocityConfig; random?: () => number } = {}) {
  const clock = manualClock(NOW_MS);
  const limiter = createVelocityLimiter({ clock: clock.now, config: options.velocity ?? only({}) });
  const decider = createDecider({ index: createBreakerIndex(breakers), limiter, clock: clock.now, random: options.random ?? (() => 0.5) });
  return { clock, limiter, decider };
}

function halfOpened(overrides: Partial<BreakerSpec>): Breaker {
  const breaker = openBreaker(overrides);
  const result = transition(breaker, { type: 'expire' }, breaker.halfOpenAt!);
  if (!result.ok) throw new Error(result.error.message);
  return result.breaker;
}

const BLOCK_PREFIX = { id: 'block-prefix', scope: { prefix: '+44 740' }, action: { kind: 'block' } } as const;
const CHALLENGE_ASN = { id: 'challenge-asn', scope: { asn: 5089 }, action: { kind: 'challenge' } } as const;
const PHONE_CHALLENGE = only({ phone: { max: 0, windowMs: HOUR_MS, onExceed: 'challenge' } });
const PHONE_BLOCK = only({ phone: { max: 0, windowMs: HOUR_MS, onExceed: 'block' } });

describe('decide: the strictest outcome wins', () => {
  it.each([
    ['nothing applies', [], only({}), 'allow', []],
    ['a challenge breaker', [CHALLENGE_ASN], only({}), 'challenge', ['challenge-asn']],
    ['a block breaker', [BLOCK_PREFIX], only({}), 'block', ['block-prefix']],
    ['a block breaker and a challenge breaker', [CHALLENGE_ASN, BLOCK_PREFIX], only({}), 'block', ['challenge-asn', 'block-prefix']],
    ['a challenge breaker and a blocking velocity rule', [CHALLENGE_ASN], PHONE_BLOCK, 'block', ['challenge-asn']],
    ['a block breaker and a challenging velocity rule', [BLOCK_PREFIX], PHONE_CHALLENGE, 'block', ['block-prefix']],
    ['a challenging velocity rule alone', [], PHONE_CHALLENGE, 'challenge', []],
  ] as const)('%s: %s', (_name, specs, velocity, decision, breakerIds) => {
    const { decider } = deciderFor(
      specs.map((overrides) => openBreaker(overrides)),
      { velocity },
    );
    const result = decider.decide(REQUEST);
    expect(result.decision).toBe(decision);
    expect([...result.breakers].sort()).toEqual([...breakerIds].sort());
  });

  it('reports every reason that weighed in, with breaker ids', () => {
    const { decider } = deciderFor([openBreaker(CHALLENGE_ASN), openBreaker(BLOCK_PREFIX)], { velocity: PHONE_CHALLENGE });
    expect(decider.decide(REQUEST).reasons).toEqual(
      expect.arrayContaining([
        { code: 'breaker_block', breakerId: 'block-prefix', detail: expect.stringContaining('prefix=+44 740') },
        { code: 'breaker_challenge', breakerId: 'challenge-asn', detail: expect.stringContaining('asn=5089') },
        { code: 'velocity_phone', detail: expect.stringContaining('limit 0') },
      ]),
    );
  });

  it('answers retry-after from the breaker: when its cooldown ends', () => {
    const { decider } = deciderFor([openBreaker(BLOCK_PREFIX)]);
    expect(decider.decide(REQUEST).retryAfterS).toBe(15 * 60);
  });

  it('leaves out retry-after when allowing', () => {
    const { decider } = deciderFor([]);
    expect(decider.decide(REQUEST)).not.toHaveProperty('retryAfterS');
  });

  it('stops blocking at the breaker expiry, even before the store applied it', () => {
    const { clock, decider } = deciderFor([openBreaker({ ...BLOCK_PREFIX, expiresAt: NOW_MS + HOUR_MS })]);
    expect(decider.decide(REQUEST).decision).toBe('block');
    clock.advance(HOUR_MS);
    expect(decider.decide(REQUEST).decision).toBe('allow');
  });

  it('uses a replaced index from the next decision on', () => {
    const { decider } = deciderFor([]);
    decider.replaceIndex(createBreakerIndex([openBreaker(BLOCK_PREFIX)]));
    expect(decider.decide(REQUEST).decision).toBe('block');
  });
});

describe('decide: shadow mode', () => {
  it('blocks nothing and records every breaker that would have acted', () => {
    const shadowBlock = openBreaker({ ...BLOCK_PREFIX, id: 'shadow-block', mode: 'shadow' });
    const shadowChallenge = openBreaker({ ...CHALLENGE_ASN, id: 'shadow-challenge', mode: 'shadow' });
    const { decider } = deciderFor([shadowBlock, shadowChallenge]);
    const results = Array.from({ length: 20 }, () => decider.decide(REQUEST));
    for (const result of results) {
      expect(result).toMatchObject({ decision: 'allow', breakers: [], reasons: [] });
      expect(result.shadow).toEqual(
        expect.arrayContaining([
          { breakerId: 'shadow-block', wouldBe: 'block' },
          { breakerId: 'shadow-challenge', wouldBe: 'challenge' },
        ]),
      );
    }
  });

  it('records shadow outcomes beside an enforced decision without changing it', () => {
    const { decider } = deciderFor([openBreaker({ ...BLOCK_PREFIX, id: 'shadow', mode: 'shadow' }), openBreaker(CHALLENGE_ASN)]);
    expect(decider.decide(REQUEST)).toMatchObject({ decision: 'challenge', shadow: [{ breakerId: 'shadow', wouldBe: 'block' }] });
  });
});

describe('decide: half-open probes', () => {
  it.each([0, 0.05, 0.2, 0.5, 1])('lets about a probe share of %s through, repeatably for a given random seed', (probeShare) => {
    const run = () => {
      const { decider } = deciderFor([halfOpened({ ...BLOCK_PREFIX, probeShare })], { random: seededRandom(7) });
      return Array.from({ length: 4_000 }, () => decider.decide(REQUEST).decision);
    };
    const decisions = run();
    const share = decisions.filter((decision) => decision === 'allow').length / decisions.length;
    // 4,000 draws: three binomial standard deviations are under 0.025 at any share.
    expect(Math.abs(share - probeShare)).toBeLessThan(0.025);
    expect(run()).toEqual(decisions);
  });

  it('marks a probe let through, so its conversion can be watched', () => {
    const { decider } = deciderFor([halfOpened(BLOCK_PREFIX)], { random: () => 0 });
    expect(decider.decide(REQUEST)).toMatchObject({
      decision: 'allow',
      breakers: [],
      reasons: [{ code: 'breaker_probe', breakerId: 'block-prefix' }],
    });
  });
});

describe('decide: throttle breakers', () => {
  it('let perMinute sends through in any minute, then block until a slot frees', () => {
    const { clock, decider } = deciderFor([openBreaker({ id: 'throttle', action: { kind: 'throttle', perMinute: 3 } })]);
    expect(Array.from({ length: 4 }, () => decider.decide(REQUEST).decision)).toEqual(['allow', 'allow', 'allow', 'block']);
    expect(decider.decide(REQUEST)).toMatchObject({
      reasons: [{ code: 'breaker_throttle', breakerId: 'throttle' }],
      retryAfterS: expect.any(Number),
    });
    clock.advance(MINUTE_MS + MINUTE_MS / 10);
    expect(decider.decide(REQUEST).decision).toBe('allow');
  });

  it('count only sends that went out: a request blocked elsewhere takes no throttle slot', () => {
    const throttle = openBreaker({ id: 'throttle', scope: { country: 'GB' }, action: { kind: 'throttle', perMinute: 1 } });
    const blockOneApp = openBreaker({ id: 'bank-block', scope: { app: 'bank' } });
    const { decider } = deciderFor([throttle, blockOneApp]);
    expect(decider.decide({ ...REQUEST, app: 'bank' }).decision).toBe('block');
    expect(decider.decide(REQUEST).decision).toBe('allow');
  });
});

describe('decide: velocity counters', () => {
  it('count only allowed sends, so a blocked attempt does not eat the quota', () => {
    const velocity = only({ phone: { max: 1, windowMs: HOUR_MS, onExceed: 'block' } });
    const { decider } = deciderFor([openBreaker({ id: 'bank-block', scope: { app: 'bank' } })], { velocity });
    expect(decider.decide({ ...REQUEST, app: 'bank' }).decision).toBe('block');
    expect(decider.decide(REQUEST).decision).toBe('allow');
    expect(decider.decide(REQUEST)).toMatchObject({ decision: 'block', reasons: [{ code: 'velocity_phone' }] });
  });

  it('enforce the resend ladder with its wait as retry-after', () => {
    const { clock, decider } = deciderFor([], { velocity: only({ session: DEFAULT_VELOCITY_LIMITS.session }) });
    expect(decider.decide(REQUEST).decision).toBe('allow');
    clock.advance(10_000);
    expect(decider.decide(REQUEST)).toMatchObject({ decision: 'block', retryAfterS: 20, reasons: [{ code: 'velocity_session_cooldown' }] });
  });
});

describe('decide: allowlists', () => {
  it.each([
    ['a test number', { phoneHash: 'hash(+447700900123)' }, 'allowlisted test phone number'],
    ['an internal app', { app: 'loadtest' }, 'app "loadtest" is allowlisted'],
    ['an office IPv4 address', { ip: '192.0.2.77' }, 'IP in an allowlisted range'],
    ['an office IPv6 address', { ip: '2001:db8:1000:5::1' }, 'IP in an allowlisted range'],
  ])('let %s past breakers and velocity limits', (_name, overrides, detail) => {
    const clock = manualClock(NOW_MS);
    const allowlist = compileAllowlist(
      { phones: ['+447700900123'], apps: ['loadtest'], ipRanges: ['192.0.2.0/24', '2001:db8:1000::/48'] },
      (e164) => `hash(${e164})`,
    );
    const decider = createDecider({
      index: createBreakerIndex([openBreaker({ id: 'block-all-gb', scope: { country: 'GB' } })]),
      limiter: createVelocityLimiter({
        clock: clock.now,
        config: { defaults: { ...ALL_OFF, phone: { max: 0, windowMs: HOUR_MS, onExceed: 'block' } }, apps: {} },
      }),
      clock: clock.now,
      allowlist,
    });
    expect(decider.decide({ ...REQUEST, ...overrides })).toEqual({
      decision: 'allow',
      reasons: [{ code: 'allowlisted', detail }],
      breakers: [],
      shadow: [],
    });
    expect(decider.decide(REQUEST).decision).toBe('block');
  });
});

describe('decide: the risk score', () => {
  function riskDecider(mode: 'enforce' | 'shadow' | 'off', stats?: ScopeStats) {
    const clock = manualClock(NOW_MS);
    const limiter = createVelocityLimiter({ clock: clock.now, config: only({}) });
    const risk = createRiskAssessor({
      policy: { ...DEFAULT_RISK_POLICY, mode },
      stats: stats && (() => stats),
      hashBlock: (block) => `hash:${block}`,
      clock: clock.now,
    });
    return createDecider({ index: createBreakerIndex([]), limiter, clock: clock.now, risk });
  }
  const BOT = { ...REQUEST, hosting: true, userAgent: 'python-requests/2.31.0' };
  const SPOOFED = { ...REQUEST, hosting: true, userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/125.0.0.0 Safari/537.36' };

  it('allows a clean request and says why nothing weighed in', () => {
    const result = riskDecider('enforce').decide({
      ...REQUEST,
      deviceId: 'd1',
      userAgent: 'Mozilla/5.0 (iPhone) Safari/604.1',
      timezone: 'Europe/London',
      platform: 'ios',
    });
    expect(result).toMatchObject({ decision: 'allow', risk: { score: 0, tier: 'low', signals: [] } });
    expect(result).not.toHaveProperty('challenge');
  });

  it('blocks a high score with the signals and their weights', () => {
    const result = riskDecider('enforce').decide(BOT);
    expect(result.decision).toBe('block');
    expect(result.risk).toMatchObject({ tier: 'high', score: 35 + 40 + 6 });
    expect(result.risk!.signals.map((s) => [s.name, s.weight])).toEqual([
      ['hosting_network', 35],
      ['device_missing', 8],
      ['automation_client', 40],
    ]);
    expect(result.reasons).toContainEqual({ code: 'risk_high', detail: 'risk score 81 >= 70 (high) for shop login' });
  });

  it('challenges a medium score with the challenge kind of its flow', () => {
    expect(riskDecider('enforce').decide(SPOOFED)).toMatchObject({ decision: 'challenge', challenge: 'captcha', risk: { tier: 'medium' } });
    expect(riskDecider('enforce').decide({ ...SPOOFED, flow: 'recovery' })).toMatchObject({
      decision: 'challenge',
      challenge: 'email_code',
    });
  });

  it('reports the score in shadow mode without changing the decision', () => {
    expect(riskDecider('shadow').decide(BOT)).toMatchObject({ decision: 'allow', risk: { tier: 'high' } });
  });

  it('computes nothing when off', () => {
    expect(riskDecider('off').decide(BOT)).not.toHaveProperty('risk');
  });

  it('reads the per-scope statistics: a number block under enumeration and a collapsing prefix', () => {
    const stats: ScopeStats = {
      asn: new Map(),
      prefix: new Map([
        ['+44 740', { recentSessions: 200, recentVerified: 10, baselineSessions: 5_000, baselineVerified: 4_500, priceUsd: 0.04 }],
      ]),
      blocks: new Map([['hash:+4474000001', 12]]),
      readAtMs: NOW_MS,
    };
    const result = riskDecider('enforce', stats).decide({
      ...REQUEST,
      phoneBlock: '+4474000001',
      deviceId: 'd',
      userAgent: 'Mozilla/5.0 (iPhone)',
      timezone: 'Europe/London',
      platform: 'ios',
    });
    expect(result.risk!.signals.map((s) => s.name)).toEqual(['prefix_conversion', 'number_block']);
    expect(result).toMatchObject({ decision: 'block', risk: { score: 30 + 40, tier: 'high' } });
  });
});

describe('decide: verify attempts', () => {
  it('allows attempts until the session backs off, with retry-after', () => {
    const clock = manualClock(NOW_MS);
    const decider = createDecider({
      index: createBreakerIndex([]),
      limiter: createVelocityLimiter({ clock: clock.now, config: only({}) }),
      clock: clock.now,
      verify: createVerifyLimiter({ clock: clock.now }),
    });
    const attempt = { app: 'shop', flow: 'login', sessionId: 'sess-1', ip: '81.2.69.160' };
    expect(decider.decideVerify(attempt).decision).toBe('allow');
    expect(decider.decideVerify(attempt).decision).toBe('allow');
    expect(decider.decideVerify(attempt)).toMatchObject({ decision: 'block', retryAfterS: 1, reasons: [{ code: 'verify_session' }] });
  });
});
