export type { Breaker, BreakerAction, BreakerMode, BreakerReason, BreakerState } from './breaker.ts';
export type { BreakerEvent, ExpireEvent, ExtendEvent, ProbeResultEvent, ResetEvent, TripEvent } from './breaker-event.ts';
export type { BreakerAuditEntry } from './breaker-audit.ts';
export { SYSTEM_ACTORS } from './breaker-audit.ts';
export {
  createBreaker,
  transition,
  effectiveState,
  nextDueAt,
  escalatedCooldownMs,
  MIN_COOLDOWN_MS,
  COOLDOWN_ESCALATION_FACTOR,
  MAX_ESCALATED_COOLDOWN_MS,
} from './breaker-state-machine.ts';
export type { BreakerSpec, Transition } from './breaker-state-machine.ts';
export { describeReason, describeAction } from './breaker-description.ts';
export { BREAKERS_ERROR_CODES } from './breakers-error.ts';
export type { BreakersError, BreakersErrorCode } from './breakers-error.ts';

export { createBreakerIndex } from './scope-match.ts';
export type { BreakerIndex } from './scope-match.ts';

export { createVelocityLimiter, DEFAULT_MAX_KEYS_PER_TABLE } from './velocity-limiter.ts';
export type {
  VelocityDecision,
  VelocityDenial,
  VelocityLimiter,
  VelocityLimiterDeps,
  VelocityLimiterStats,
  VelocityCounts,
  VelocityRequest,
  VelocityRule,
  RemoteSends,
} from './velocity-limiter.ts';
export { emptyVelocityCounts } from './velocity-limiter.ts';
export {
  DEFAULT_VELOCITY_CONFIG,
  DEFAULT_VELOCITY_LIMITS,
  MAX_RESENDS_PER_SESSION,
  RESEND_COOLDOWNS_MS,
  limitsForApp,
} from './velocity-limits.ts';
export type { LimitOutcome, ResendLimit, VelocityConfig, VelocityLimits, VelocityRuleName, WindowLimit } from './velocity-limits.ts';
export { BUCKETS_PER_WINDOW } from './sliding-window.ts';
export { THROTTLE_WINDOW_MS } from './throttle-meter.ts';

export { createDecider } from './decide.ts';
export type {
  Decider,
  DeciderDeps,
  DecideRequest,
  DecideResult,
  Decision,
  DecisionReason,
  DecisionRisk,
  ReasonCode,
  ShadowOutcome,
} from './decide.ts';

export { createPolicyDecider } from './policy-decider.ts';
export { runPolicyBacktest, DEFAULT_STATS_EVERY_MS } from './policy-backtest.ts';
export { backtestPolicy } from './policy-backtest-run.ts';
export { loadPolicyFile, readPolicyFile } from './policy-file.ts';
export type { PolicyBacktestDeps, PolicyBacktestGroup, PolicyBacktestReport } from './policy-backtest.ts';
export { createBreakerTimeline } from './breaker-timeline.ts';
export type { BreakerTimeline } from './breaker-timeline.ts';
export { readScopeStats } from './scope-stats-reader.ts';
export { seededRandom } from './seeded-random.ts';
export type { PolicyDecider, PolicyDeciderDeps } from './policy-decider.ts';
export { createRiskAssessor, DEFAULT_RISK_POLICY, RISK_MODES, DEFAULT_MAX_DEVICES } from './risk-assessor.ts';
export type { RiskAssessment, RiskAssessor, RiskAssessorDeps, RiskMode, RiskPolicy, RiskRequest } from './risk-assessor.ts';
export { scoreRisk, signalWeights, MAX_RISK_SCORE } from './risk-score.ts';
export type { RiskScore, RiskSignal, SignalWeights } from './risk-score.ts';
export { RISK_SIGNALS, SIGNAL_NAMES, DEFAULT_SIGNAL_WEIGHTS, isAutomationUserAgent } from './risk-signals.ts';
export type { RiskFacts, RiskSignalSpec, SignalName } from './risk-signals.ts';
export { CHALLENGE_KINDS, DEFAULT_TIER_POLICY, compileTiers, tierOf } from './risk-tiers.ts';
export type { ChallengeKind, RiskTier, TierPolicy, TierTable, TierThresholds } from './risk-tiers.ts';
export { EMPTY_SCOPE_STATS, MIN_SESSIONS_FOR_CONVERSION, TYPICAL_CONVERSION, conversionDrop } from './scope-stats.ts';
export type { ConversionStat, PrefixStat, ScopeStats } from './scope-stats.ts';
export { createVerifyLimiter } from './verify-limiter.ts';
export type {
  LadderName,
  LadderOp,
  LadderState,
  VerifyDecision,
  VerifyLimiter,
  VerifyOutcome,
  VerifyRequest,
  VerifyRule,
} from './verify-limiter.ts';
export { DEFAULT_VERIFY_LIMITS, DEFAULT_VERIFY_RULES, backoffMs } from './verify-limits.ts';
export type { AttemptLimit, VerifyLimits, VerifyRuleName, VerifyRules } from './verify-limits.ts';

export { compileAllowlist } from './allowlist.ts';
export type { Allowlist, AllowlistMatch, AllowlistRequest, AllowlistSpec, PhoneHashFn } from './allowlist.ts';
export { checkCidr, createIpRangeSet } from './ip-range.ts';
export type { IpRangeSet } from './ip-range.ts';

export {
  parseBreakerPolicy,
  DEFAULT_BREAKER_POLICY,
  POLICY_VERSION,
  DEFAULT_PROBE_SHARE,
  DEFAULT_MAX_SHARE_OF_LEGIT_TRAFFIC,
  SCOPE_LEVELS,
  NARROWING_KEYS,
} from './breaker-policy.ts';
export type { AutoTripRule, BreakerPolicy, NarrowingKey, PolicyParse, ScopeLevel } from './breaker-policy.ts';
export { proposeAutoTrip } from './auto-trip-proposal.ts';
export type { AutoTripMatch, AutoTripProposal } from './auto-trip-proposal.ts';
export { guardAutoTrip } from './blast-radius-guard.ts';
export type { TripGuard } from './blast-radius-guard.ts';

export { createBreakerRegistry } from './breaker-registry.ts';
export type { BreakerChange, BreakerRegistry } from './breaker-registry.ts';
