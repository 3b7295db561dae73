import { createCappedMap } from '@tollgate/vocabulary';
import type { DecideRequest } from './decide.ts';
import { createDevicePhones } from './device-phones.ts';
import { scoreRisk, signalWeights, type RiskScore } from './risk-score.ts';
import { DEFAULT_SIGNAL_WEIGHTS, DEVICE_FIELDS, isAutomationUserAgent, type RiskFacts, type SignalName } from './risk-signals.ts';
import { compileTiers, DEFAULT_TIER_POLICY, tierOf, type RiskTier, type TierPolicy, type TierThresholds } from './risk-tiers.ts';
import { EMPTY_SCOPE_STATS, type ScopeStats } from './scope-stats.ts';
import { emptyVelocityCounts, type VelocityCounts } from './velocity-limiter.ts';

/** enforce: tiers change decisions; shadow: scored and reported, decisions unchanged (try thresholds on live traffic); off: not computed. */
export const RISK_MODES = ['enforce', 'shadow', 'off'] as const;
export type RiskMode = (typeof RISK_MODES)[number];

export interface RiskPolicy {
  mode: RiskMode;
  weights: Readonly<Record<SignalName, number>>;
  tiers: TierPolicy;
}

export const DEFAULT_RISK_POLICY: RiskPolicy = { mode: 'enforce', weights: DEFAULT_SIGNAL_WEIGHTS, tiers: DEFAULT_TIER_POLICY };

/** What the risk score reads from a send request, beside the velocity counts. */
export type RiskRequest = Pick<
  DecideRequest,
  'app' | 'flow' | 'phoneHash' | 'prefix' | 'asn' | 'hosting' | 'phoneBlock' | 'deviceId' | 'userAgent' | 'timezone' | 'platform'
>;

export interface RiskAssessment extends RiskScore {
  tier: RiskTier;
  thresholds: TierThresholds;
}

export interface RiskAssessor {
  readonly mode: RiskMode;
  /** Scores a send with the velocity counts of its keys; notes the device's phone. */
  assess(request: RiskRequest, velocity: VelocityCounts): RiskAssessment;
  thresholds(app: string, flow: string): TierThresholds;
}

export interface RiskAssessorDeps {
  policy?: RiskPolicy;
  /** The latest per-scope statistics; read on every request, so it must be a plain getter. */
  stats?: () => ScopeStats;
  /** Keyed hash of a number block, the form the statistics are keyed by. */
  hashBlock?: (block: string) => string;
  clock: () => number;
  /** Cap on devices remembered for "one device behind many numbers". */
  maxDevices?: number;
}

/** Devices and number-block hashes remembered; at ~200 bytes each, 20 MB at most per table. */
export const DEFAULT_MAX_DEVICES = 100_000;
const MAX_CACHED_BLOCK_HASHES = 100_000;
/** Distinct user agents remembered: real populations send a few thousand; a spray of invented ones only misses the cache. */
const MAX_CACHED_USER_AGENTS = 10_000;

/**
 * The risk score of the decision path: gathers one request's facts (velocity counts, per-scope
 * statistics, device fields), scores them and places the score in its app's and flow's tiers.
 * Everything is in memory; the statistics come from a getter the runtime refreshes in the
 * background, so no request waits on the store.
 */
export function createRiskAssessor(deps: RiskAssessorDeps): RiskAssessor {
  const policy = deps.policy ?? DEFAULT_RISK_POLICY;
  const weights = signalWeights(policy.weights);
  const tiers = compileTiers(policy.tiers);
  const stats = deps.stats ?? (() => EMPTY_SCOPE_STATS);
  const devices = createDevicePhones(deps.maxDevices ?? DEFAULT_MAX_DEVICES);
  // An HMAC costs ~1.5 us: hashed once per block while it stays in the cache, and only while some block is hot.
  const blockHashes = createCappedMap<string>(MAX_CACHED_BLOCK_HASHES);
  // Matching the automation patterns costs ~0.3 us on a browser's user agent, a Map probe a tenth of that.
  const automatedAgents = createCappedMap<boolean>(MAX_CACHED_USER_AGENTS);
  const facts: RiskFacts = {
    velocity: emptyVelocityCounts(),
    asn: 0,
    hosting: false,
    asnStat: undefined,
    prefix: '',
    prefixStat: undefined,
    blockPhones: 0,
    deviceFieldsMissing: 0,
    userAgent: undefined,
    automated: false,
    devicePhones: 0,
  };

  /** A probe, and a closure only on a miss: this runs on every request that names its user agent. */
  function isAutomated(userAgent: string): boolean {
    const known = automatedAgents.get(userAgent);
    if (known !== undefined) return known;
    const automated = isAutomationUserAgent(userAgent);
    automatedAgents.upsert(userAgent, () => automated);
    return automated;
  }

  function blockPhones(current: ScopeStats, block: string | undefined): number {
    if (block === undefined || current.blocks.size === 0 || deps.hashBlock === undefined) return 0;
    const hashBlock = deps.hashBlock;
    return current.blocks.get(blockHashes.upsert(block, () => hashBlock(block))) ?? 0;
  }

  return {
    mode: policy.mode,
    assess(request, velocity) {
      const current = stats();
      facts.velocity = velocity;
      facts.asn = request.asn;
      facts.hosting = request.hosting === true;
      facts.asnStat = current.asn.get(request.asn);
      facts.prefix = request.prefix;
      facts.prefixStat = current.prefix.get(request.prefix);
      facts.blockPhones = blockPhones(current, request.phoneBlock);
      facts.deviceFieldsMissing =
        DEVICE_FIELDS -
        (request.deviceId === undefined ? 0 : 1) -
        (request.userAgent === undefined ? 0 : 1) -
        (request.timezone === undefined ? 0 : 1) -
        (request.platform === undefined ? 0 : 1);
      const userAgent = request.userAgent;
      facts.userAgent = userAgent;
      facts.automated = userAgent !== undefined && isAutomated(userAgent);
      facts.devicePhones = request.deviceId === undefined ? 0 : devices.note(request.deviceId, request.phoneHash, deps.clock());
      const scored = scoreRisk(facts, weights);
      const thresholds = tiers.thresholds(request.app, request.flow);
      return { score: scored.score, signals: scored.signals, tier: tierOf(scored.score, thresholds), thresholds };
    },
    thresholds: (app, flow) => tiers.thresholds(app, flow),
  };
}
