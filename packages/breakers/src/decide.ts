import type { Allowlist } from './allowlist.ts';
import { describeReason, describeScope } from './breaker-description.ts';
import { effectiveState } from './breaker-state-machine.ts';
import type { Breaker } from './breaker.ts';
import type { BreakerIndex } from './scope-match.ts';
import { createThrottleMeter, type ThrottleMeter } from './throttle-meter.ts';
import type { VelocityLimiter, VelocityRule } from './velocity-limiter.ts';

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
  /** Accepted on the wire today so services send it from the start; device limits and risk signals (issue 9) will read it. */
  deviceId?: string;
}

export type Decision = 'allow' | 'challenge' | 'block';

export type ReasonCode =
  | 'allowlisted'
  | 'breaker_block'
  | 'breaker_challenge'
  | 'breaker_throttle'
  | 'breaker_probe'
  | `velocity_${VelocityRule}`;

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
}

export interface DeciderDeps {
  index: BreakerIndex;
  limiter: VelocityLimiter;
  clock: () => number;
  /** Uniform in [0, 1); decides which half-open requests are probes. Seeded in tests. */
  random?: () => number;
  allowlist?: Allowlist;
}

export interface Decider {
  decide(request: DecideRequest): DecideResult;
  /** Swaps in an index built from the breakers' latest state; throttle and velocity counters carry over. */
  replaceIndex(index: BreakerIndex): void;
}

const RANK: Readonly<Record<Decision, number>> = { allow: 0, challenge: 1, block: 2 };
const MS_PER_S = 1_000;

interface Outcome {
  decision: Decision;
  code: ReasonCode;
  detail: string;
  retryAfterMs: number | undefined;
}

/**
 * The decision path: breakers first, then velocity limits; the strictest outcome wins (block >
 * challenge > allow). Pure and synchronous over in-memory state: counters move only when the
 * answer is allow, because a refused send costs nothing and must not eat the caller's quota.
 */
export function createDecider(deps: DeciderDeps): Decider {
  const { limiter, clock, allowlist } = deps;
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
      return { decision: 'allow', code: 'breaker_probe', detail: `probe through half-open breaker on ${describe(breaker)}`, retryAfterMs: undefined };
    }
    const action = breaker.action;
    if (action.kind === 'throttle') {
      const waitMs = throttles.msUntilRoom(breaker.id, action.perMinute, nowMs);
      if (waitMs <= 0) return undefined;
      return { decision: 'block', code: 'breaker_throttle', detail: `over ${action.perMinute}/min on ${describe(breaker)}`, retryAfterMs: waitMs };
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

    const { decision, retryAfterMs } = verdict;
    if (decision === 'allow') {
      limiter.record(request);
      if (throttled !== undefined) for (const breaker of throttled) throttles.record(breaker.id, nowMs);
    }
    const result: DecideResult = { decision, reasons, breakers: enforced, shadow };
    if (decision !== 'allow' && retryAfterMs !== undefined) result.retryAfterS = Math.max(1, Math.ceil(retryAfterMs / MS_PER_S));
    return result;
  }

  return {
    decide,
    replaceIndex(next) {
      index = next;
    },
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
  } else if (outcome === verdict.decision && waitMs !== undefined && (verdict.retryAfterMs === undefined || waitMs > verdict.retryAfterMs)) {
    verdict.retryAfterMs = waitMs;
  }
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
