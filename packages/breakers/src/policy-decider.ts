import { compileAllowlist, type PhoneHashFn } from './allowlist.ts';
import type { BreakerPolicy } from './breaker-policy.ts';
import { createDecider, type Decider } from './decide.ts';
import { createRiskAssessor } from './risk-assessor.ts';
import type { ScopeStats } from './scope-stats.ts';
import type { BreakerIndex } from './scope-match.ts';
import { createVelocityLimiter, type VelocityLimiter } from './velocity-limiter.ts';
import { createVerifyLimiter, type VerifyLimiter } from './verify-limiter.ts';

export interface PolicyDeciderDeps {
  policy: BreakerPolicy;
  index: BreakerIndex;
  clock: () => number;
  /** Keyed hash of an E.164 number, for the allowlisted phones. */
  hashPhone: PhoneHashFn;
  /** Keyed hash of a number block, the form the statistics key blocks by. */
  hashBlock: (block: string) => string;
  stats: () => ScopeStats;
  random?: () => number;
  /** Wraps the velocity limiter, e.g. to share its counters with other decision nodes (REDIS_URL). */
  shareVelocity?: (local: VelocityLimiter) => VelocityLimiter;
  /** Wraps the verify ladders, e.g. to share them with other decision nodes (REDIS_URL). */
  shareVerify?: (local: VerifyLimiter) => VerifyLimiter;
}

export interface PolicyDecider {
  decider: Decider;
  /** The verify ladders, also fed the reported outcomes. */
  verify: VerifyLimiter;
}

/**
 * The whole decision path a policy describes (allowlist, velocity and account limits, risk score
 * and tiers, verify ladders) over a breaker index: the server and the policy backtest build it
 * the same way, so a backtest judges exactly what the server would do.
 */
export function createPolicyDecider(deps: PolicyDeciderDeps): PolicyDecider {
  const { policy, clock } = deps;
  const verify = (deps.shareVerify ?? ((local) => local))(createVerifyLimiter({ clock, limits: policy.verify }));
  const decider = createDecider({
    index: deps.index,
    limiter: (deps.shareVelocity ?? ((local) => local))(createVelocityLimiter({ clock, config: policy.velocity })),
    clock,
    random: deps.random,
    allowlist: compileAllowlist(policy.allowlist, deps.hashPhone),
    risk: createRiskAssessor({ policy: policy.risk, stats: deps.stats, hashBlock: deps.hashBlock, clock }),
    verify,
  });
  return { decider, verify };
}
