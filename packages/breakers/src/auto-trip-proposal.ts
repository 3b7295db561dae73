import { severityAtLeast, type AnomalyFinding, type Scope } from '@tollgate/vocabulary';
import type { AutoTripRule, BreakerPolicy } from './breaker-policy.ts';
import type { BreakerSpec } from './breaker-state-machine.ts';

/** A breaker a policy rule wants for an anomaly, before the blast-radius guard and before it has an id. */
export interface AutoTripProposal {
  rule: string;
  anomalyId: string;
  spec: Omit<BreakerSpec, 'id'>;
  /** The policy's guard, carried so the proposal can be judged without the policy at hand. */
  maxShareOfLegitTraffic: number;
}

export type AutoTripMatch = { action: 'propose'; proposal: AutoTripProposal } | { action: 'none'; reason: string };

/**
 * The breaker the first applicable rule proposes for a detector anomaly, or why none applies. A
 * rule applies when it lists the anomaly's kind, the severity reaches its minimum, and the
 * anomaly's scope names the rule's level (a prefix rule cannot cut a country-wide finding).
 */
export function proposeAutoTrip(policy: BreakerPolicy, anomaly: AnomalyFinding, nowMs: number): AutoTripMatch {
  if (anomaly.scope.app !== undefined && policy.allowlist.apps.includes(anomaly.scope.app)) {
    return { action: 'none', reason: `app "${anomaly.scope.app}" is allowlisted` };
  }
  for (const rule of policy.autoTrip) {
    if (!rule.kinds.includes(anomaly.kind) || !severityAtLeast(anomaly.severity, rule.minSeverity)) continue;
    const scope = scopeFor(rule, anomaly.scope);
    if (scope === undefined) continue;
    return {
      action: 'propose',
      proposal: {
        rule: rule.name,
        anomalyId: anomaly.id,
        maxShareOfLegitTraffic: policy.maxShareOfLegitTraffic,
        spec: {
          scope,
          action: rule.action,
          mode: rule.mode,
          reason: { kind: 'anomaly', anomalyId: anomaly.id },
          cooldownMs: rule.cooldownMs,
          probeShare: rule.probeShare,
          expiresAt: nowMs + rule.expiresAfterMs,
        },
      },
    };
  }
  return { action: 'none', reason: `no auto_trip rule covers a ${anomaly.severity} ${anomaly.kind} at this scope` };
}

function scopeFor(rule: AutoTripRule, found: Scope): Scope | undefined {
  const value = found[rule.scopeLevel];
  if (value === undefined) return undefined;
  const scope: Scope = { [rule.scopeLevel]: value };
  // A prefix belongs to one country; keeping it makes the breaker read as people expect ("GB +44 740").
  if (rule.scopeLevel === 'prefix' && found.country !== undefined) scope.country = found.country;
  for (const key of rule.narrowBy) {
    if (found[key] !== undefined) scope[key] = found[key];
  }
  return scope;
}
