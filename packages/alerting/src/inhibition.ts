import { labelsOf, type AlertInput } from './alert-input.ts';
import { matchesAll } from './matcher.ts';
import type { AlertingConfig, InhibitRule } from './rules-config.ts';

export type InhibitDecision = { inhibited: false } | { inhibited: true; rule: string; byAlertId: string; reason: string };

type InhibitableAlert = Pick<AlertInput, 'id' | 'kind' | 'severity' | 'scope' | 'action' | 'state'>;

/**
 * Whether another open alert makes this one noise, by Alertmanager's inhibition rules: the alert
 * matches a rule's target matchers, an open alert matches its source matchers, and both carry the
 * same values for the `equal` labels (a label both lack counts as equal, as in Alertmanager). An
 * alert never inhibits itself, so one matching both sides still notifies.
 */
export function inhibited(config: AlertingConfig, alert: InhibitableAlert, activeAlerts: readonly InhibitableAlert[]): InhibitDecision {
  const labels = labelsOf(alert);
  for (const rule of config.inhibitRules) {
    if (!matchesAll(rule.targetMatchers, labels)) continue;
    const source = activeAlerts.find(
      (candidate) => candidate.id !== alert.id && candidate.state === 'open' && sources(rule, candidate, labels),
    );
    if (source !== undefined) {
      const same =
        rule.equal.length === 0
          ? ''
          : ` with the same ${rule.equal.map((label) => `${label}=${JSON.stringify(labels[label])}`).join(', ')}`;
      return {
        inhibited: true,
        rule: rule.name,
        byAlertId: source.id,
        reason: `inhibited by open ${source.kind} ${source.id}${same} (${rule.name})`,
      };
    }
  }
  return { inhibited: false };
}

/** The rules that could inhibit alerts like this one (what `tollgate rules test` lists). */
export function inhibitRulesTargeting(
  config: AlertingConfig,
  alert: Pick<AlertInput, 'kind' | 'severity' | 'scope' | 'action'>,
): InhibitRule[] {
  const labels = labelsOf(alert);
  return config.inhibitRules.filter((rule) => matchesAll(rule.targetMatchers, labels));
}

function sources(rule: InhibitRule, candidate: InhibitableAlert, targetLabels: ReturnType<typeof labelsOf>): boolean {
  const labels = labelsOf(candidate);
  return matchesAll(rule.sourceMatchers, labels) && rule.equal.every((label) => labels[label] === targetLabels[label]);
}
