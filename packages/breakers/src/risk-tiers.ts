/**
 * Risk tiers and what each does, per app and flow: a low risk gets its OTP at once, a medium risk
 * meets friction first (CAPTCHA, email confirmation or a slower cooldown), a high risk is blocked
 * for a while. Low allows, medium challenges with the kind the service should show, high blocks.
 */

export type RiskTier = 'low' | 'medium' | 'high';

/** The friction a service shows on a challenge. */
export const CHALLENGE_KINDS = ['captcha', 'email_code', 'slower_cooldown'] as const;
export type ChallengeKind = (typeof CHALLENGE_KINDS)[number];

export interface TierThresholds {
  /** Scores from this one up are medium. */
  medium: number;
  /** Scores from this one up are high (at least `medium`). */
  high: number;
  challenge: ChallengeKind;
}

/**
 * Each level overrides the one before it field by field: defaults, the app's defaults, the flow's,
 * then the app's flow. A flow's thresholds beat an app's defaults because flows differ in what is
 * at stake (recovery hands over an account) more than apps do.
 */
export interface TierPolicy {
  defaults: TierThresholds;
  flows: Readonly<Record<string, Partial<TierThresholds>>>;
  apps: Readonly<Record<string, { defaults: Partial<TierThresholds>; flows: Readonly<Record<string, Partial<TierThresholds>>> }>>;
}

/**
 * Defaults until the policy file sets its own: medium from 40 (two strong hints, e.g. a hosting
 * network with no device fields), high from 70 (the crude bot). Recovery is stricter (an account
 * takeover costs more than a lost signup) and asks for an email code rather than a CAPTCHA,
 * because a recovering user has an email address on file and a CAPTCHA farm solves CAPTCHAs.
 */
export const DEFAULT_TIER_POLICY: TierPolicy = {
  defaults: { medium: 40, high: 70, challenge: 'captcha' },
  flows: { recovery: { medium: 30, high: 55, challenge: 'email_code' } },
  apps: {},
};

export function tierOf(score: number, thresholds: TierThresholds): RiskTier {
  if (score >= thresholds.high) return 'high';
  if (score >= thresholds.medium) return 'medium';
  return 'low';
}

/**
 * The thresholds of every app and flow, merged once: the hot path looks them up in two Map
 * probes instead of merging four levels per request.
 */
export interface TierTable {
  thresholds(app: string, flow: string): TierThresholds;
}

export function compileTiers(policy: TierPolicy): TierTable {
  const merge = (...levels: (Partial<TierThresholds> | undefined)[]): TierThresholds =>
    Object.assign({}, ...levels.filter((level) => level !== undefined)) as TierThresholds;
  const forFlow = new Map<string, TierThresholds>(
    Object.keys(policy.flows).map((flow) => [flow, merge(policy.defaults, policy.flows[flow])]),
  );
  const forApp = new Map<string, { defaults: TierThresholds; flows: Map<string, TierThresholds> }>();
  for (const [app, overrides] of Object.entries(policy.apps)) {
    const flows = new Map<string, TierThresholds>();
    for (const flow of new Set([...Object.keys(policy.flows), ...Object.keys(overrides.flows)])) {
      flows.set(flow, merge(policy.defaults, overrides.defaults, policy.flows[flow], overrides.flows[flow]));
    }
    forApp.set(app, { defaults: merge(policy.defaults, overrides.defaults), flows });
  }
  return {
    thresholds(app, flow) {
      const ofApp = forApp.get(app);
      if (ofApp !== undefined) return ofApp.flows.get(flow) ?? ofApp.defaults;
      return forFlow.get(flow) ?? policy.defaults;
    },
  };
}
