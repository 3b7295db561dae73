import type { Allowlist } from './allowlist.ts';
import { describeReason } from './breaker-description.ts';
import { describeScope } from '@tollgate/vocabulary';
import { effectiveState } from './breaker-state-machine.ts';
import type { Breaker } from './breaker.ts';
import type { BreakerIndex } from './scope-match.ts';
import type { RiskAssessor } from './risk-assessor.ts';
import type { RiskSignal } from './risk-score.ts';
import type { ChallengeKind, RiskTier } from './risk-tiers.ts';
import { createThrottleMeter, type ThrottleMeter } from './throttle-meter.ts';
import { emptyVelocityCounts, type VelocityLimiter, type VelocityRule } from './velocity-limiter.ts';
import type { VerifyLimiter, VerifyRequest, VerifyRule } from './verify-limiter.ts';

/** One "may I send this OTP?" question, after the server normalized the phone (hash, country, prefix) and the IP (ASN, subnet). */
export interface DecideRequest {
  app: string;
  flow: string;
  phoneHash: string;
  country: string;
  prefix: string;
  asn: number;
  provider?: string;
  ip: string;
  ipSubnet: string;
  sessionId?: string;
  /** Keyed hash of the service's account id (account limits). */
  accountHash?: string;
  /** The IP's network is a hosting, cloud or VPN company's (from the same ASN lookup as `asn`). */
  hosting?: boolean;
  /** The number block (E.164 minus its last digits), raw and in memory only: the risk score hashes it only while some block is busy. */
  phoneBlock?: string;
  deviceId?: string;
  userAgent?: string;
  timezone?: string;
  platform?: string;
}

export type Decision = 'allow' | 'challenge' | 'block';

export type ReasonCode =
  | 'allowlisted'
  | 'breaker_block'
  | 'breaker_challenge'
  | 'breaker_throttle'
  | 'breaker_probe'
  | `velocity_${VelocityRule}`
  | 'risk_medium'
  | 'risk_high'
  | VerifyRule;

export interface DecisionReason {
  code: ReasonCode;
  detail: string;
  breakerId?: string;
}

/** What an enforced breaker would have done; shadow breakers report it and change nothing. */
export interface ShadowOutcome {
  breakerId: string;
  wouldBe: 'challenge' | 'block';
}

export interface DecideResult {
  decision: Decision;
  /** Everything that weighed in, including outcomes milder than the decision and probes let through. */
  reasons: DecisionReason[];
  /** Enforced breakers that challenged or blocked this request. */
  breakers: string[];
  /** How long until asking again can give a milder answer, when the decision is not allow and the wait is known. */
  retryAfterS?: number;
  shadow: ShadowOutcome[];
  /** The risk score of a send, when risk scoring is on (in shadow mode too: it is reported, not enforced). */
  risk?: DecisionRisk;
  /** The friction to show, when the decision is challenge. */
  challenge?: ChallengeKind;
}

export interface DecisionRisk {
  score: number;
  tier: RiskTier;
  signals: RiskSignal[];
}

export interface DeciderDeps {
  index: BreakerIndex;
  limiter: VelocityLimiter;
  clock: () => number;
  /** Uniform in [0, 1); decides which half-open requests are probes. Seeded in tests. */
  random?: () => number;
  allowlist?: Allowlist;
  /** Risk scoring; without it (or in mode off) decisions come from breakers and velocity only. */
  risk?: RiskAssessor;
  /** Verify attempt limits; without it verify decisions always allow. */
  verify?: VerifyLimiter;
}

export interface Decider {
  decide(request: DecideRequest): DecideResult;
  /** "May this user try a code now?": session, IP and phone attempt ladders. */
  decideVerify(request: VerifyRequest): DecideResult;
  /** Swaps in an index built from the breakers' latest state; throttle and velocity counters carry over. */
  replaceIndex(index: BreakerIndex): void;
}

const RANK: Readonly<Record<Decision, number>> = { allow: 0, challenge: 1, block: 2 };
const MS_PER_S = 1_000;
/** The challenge shown when no risk policy names one. */
const DEFAULT_CHALLENGE: ChallengeKind = 'captcha';

interface Outcome {
  decision: Decision;
  code: ReasonCode;
  detail: string;
  retryAfterMs: number | undefined;
}

/**
 * The decision path: breakers first, then velocity and account limits, then the risk score's tier;
 * the strictest outcome wins (block > challenge > allow). Pure and synchronous over in-memory
 * state: counters move only when the answer is allow, because a refused send costs nothing and
 * must not eat the caller's quota. Verify questions take their own path (attempt ladders).
 */
export function createDecider(deps: DeciderDeps): Decider {
  const { limiter, clock, allowlist, risk, verify } = deps;
  const scoring = risk !== undefined && risk.mode !== 'off';
  // Filled per request and read before the next: decisions are synchronous.
  const counts = emptyVelocityCounts();
  const random = deps.random ?? Math.random;
  const throttles: ThrottleMeter = createThrottleMeter();
  let index = deps.index;
  const descriptions = new WeakMap<Breaker, string>();

  /** Breakers are replaced, never mutated, so a description per breaker object is computed once. */
  function describe(breaker: Breaker): string {
    let text = descriptions.get(breaker);
    if (text === undefined) {
      text = `${describeScope(breaker.scope)} (${describeReason(breaker.reason)})`;
      descriptions.set(breaker, text);
    }
    return text;
  }

  /** undefined when the breaker lets this request through without comment (a throttle with room). */
  function breakerOutcome(breaker: Breaker, state: 'open' | 'half_open', nowMs: number): Outcome | undefined {
    if (state === 'half_open' && random() < breaker.probeShare) {
      return {
        decision: 'allow',
        code: 'breaker_probe',
        detail: `probe through half-open breaker on ${describe(breaker)}`,
        retryAfterMs: undefined,
      };
    }
    const action = breaker.action;
    if (action.kind === 'throttle') {
      const waitMs = throttles.msUntilRoom(breaker.id, action.perMinute, nowMs);
      if (waitMs <= 0) return undefined;
      return {
        decision: 'block',
        code: 'breaker_throttle',
        detail: `over ${action.perMinute}/min on ${describe(breaker)}`,
        retryAfterMs: waitMs,
      };
    }
    const endsAt = state === 'open' ? earliest(breaker.halfOpenAt, breaker.expiresAt) : breaker.expiresAt;
    return {
      decision: action.kind,
      code: action.kind === 'block' ? 'breaker_block' : 'breaker_challenge',
      detail: `${state} breaker on ${describe(breaker)}`,
      retryAfterMs: endsAt === null ? undefined : endsAt - nowMs,
    };
  }

  function decide(request: DecideRequest): DecideResult {
    const nowMs = clock();
    const listed = allowlist?.match(request);
    if (listed?.listed === true) {
      return { decision: 'allow', reasons: [{ code: 'allowlisted', detail: listed.detail }], breakers: [], shadow: [] };
    }
    const reasons: DecisionReason[] = [];
    const enforced: string[] = [];
    const shadow: ShadowOutcome[] = [];
    const verdict: Verdict = { decision: 'allow', retryAfterMs: undefined };
    let throttled: Breaker[] | undefined;

    for (const breaker of index.matching(request)) {
      const state = effectiveState(breaker, nowMs);
      if (state === 'closed') continue;
      if (breaker.action.kind === 'throttle') (throttled ??= []).push(breaker);
      const outcome = breakerOutcome(breaker, state, nowMs);
      if (outcome === undefined) continue;
      if (breaker.mode === 'shadow') {
        if (outcome.decision !== 'allow') shadow.push({ breakerId: breaker.id, wouldBe: outcome.decision });
        continue;
      }
      reasons.push({ code: outcome.code, detail: outcome.detail, breakerId: breaker.id });
      if (outcome.decision === 'allow') continue;
      enforced.push(breaker.id);
      fold(verdict, outcome.decision, outcome.retryAfterMs);
    }

    const velocity = limiter.check(request);
    if (velocity.decision !== 'allow') {
      reasons.push({ code: `velocity_${velocity.rule}`, detail: velocity.detail });
      fold(verdict, velocity.decision, velocity.retryAfterS * MS_PER_S);
    }

    let assessed: DecisionRisk | undefined;
    let challenge = DEFAULT_CHALLENGE;
    if (scoring) {
      limiter.observe(request, counts);
      const assessment = risk!.assess(request, counts);
      // Passed on whole, not copied: the answer's schema serializes score, tier and signals only.
      assessed = assessment;
      challenge = assessment.thresholds.challenge;
      if (assessment.tier !== 'low' && risk!.mode === 'enforce') {
        const at = assessment.tier === 'high' ? assessment.thresholds.high : assessment.thresholds.medium;
        reasons.push({
          code: `risk_${assessment.tier}`,
          detail: `risk score ${assessment.score} >= ${at} (${assessment.tier}) for ${request.app} ${request.flow}`,
        });
        fold(verdict, assessment.tier === 'high' ? 'block' : 'challenge', undefined);
      }
    } else if (risk !== undefined) {
      challenge = risk.thresholds(request.app, request.flow).challenge;
    }

    const { decision, retryAfterMs } = verdict;
    if (decision === 'allow') {
      limiter.record(request);
      if (throttled !== undefined) for (const breaker of throttled) throttles.record(breaker.id, nowMs);
    }
    const result: DecideResult = { decision, reasons, breakers: enforced, shadow };
    if (decision !== 'allow' && retryAfterMs !== undefined) result.retryAfterS = Math.max(1, Math.ceil(retryAfterMs / MS_PER_S));
    if (assessed !== undefined) result.risk = assessed;
    if (decision === 'challenge') result.challenge = challenge;
    return result;
  }

  return {
    decide,
    decideVerify: (request) => decideVerify(request, verify, allowlist),
    replaceIndex(next) {
      index = next;
    },
  };
}

/** The verify path: the allowlist, then the attempt ladders (always allow without them). */
function decideVerify(request: VerifyRequest, verify: VerifyLimiter | undefined, allowlist: Allowlist | undefined): DecideResult {
  if (verify === undefined) return { decision: 'allow', reasons: [], breakers: [], shadow: [] };
  const listed = allowlist?.match({ app: request.app, phoneHash: request.phoneHash ?? '', ip: request.ip });
  if (listed?.listed === true)
    return { decision: 'allow', reasons: [{ code: 'allowlisted', detail: listed.detail }], breakers: [], shadow: [] };
  const answer = verify.check(request);
  if (answer.decision === 'allow') {
    verify.record(request);
    return { decision: 'allow', reasons: [], breakers: [], shadow: [] };
  }
  return {
    decision: 'block',
    reasons: [{ code: answer.rule, detail: answer.detail }],
    breakers: [],
    shadow: [],
    retryAfterS: answer.retryAfterS,
  };
}

/** The decision so far and the wait that goes with it. */
interface Verdict {
  decision: Decision;
  retryAfterMs: number | undefined;
}

/**
 * Folds one more outcome into the verdict: a stricter one replaces it, an equal one can only
 * lengthen the wait. A module function, not a closure per call: tsx names every closure it
 * creates (a defineProperty each time), which costs more than the fold itself.
 */
function fold(verdict: Verdict, outcome: Decision, waitMs: number | undefined): void {
  if (RANK[outcome] > RANK[verdict.decision]) {
    verdict.decision = outcome;
    verdict.retryAfterMs = waitMs;
  } else if (
    outcome === verdict.decision &&
    waitMs !== undefined &&
    (verdict.retryAfterMs === undefined || waitMs > verdict.retryAfterMs)
  ) {
    verdict.retryAfterMs = waitMs;
  }
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
