import type { AnomalyKind, Scope, Severity } from '@tollgate/vocabulary';

/** Where an anomaly was found: the breakers' scope, with the keys the detector attributed it to. */
export type AlertScope = Scope;

/**
 * What alert routing consumes: one detector anomaly at its latest state. The server maps the
 * detector's anomalies to this shape, so routing never depends on how anomalies are computed.
 */
export interface AlertInput {
  /** Stable per kind and scope: the same anomaly updated keeps its id. */
  id: string;
  kind: AnomalyKind;
  severity: Severity;
  state: 'open' | 'resolved';
  scope: AlertScope;
  /** The response the detector suggests. */
  action: 'block' | 'challenge' | 'alert';
  /** One line a person reads. */
  summary: string;
  costPerHourUsd: number;
  observed: number;
  expected: number;
  openedAt: number;
  updatedAt: number;
  resolvedAt?: number;
}

/**
 * The labels matchers, `group_by` and inhibition `equal` may name. A fixed list, so a typo in a
 * rules file ("contry") is an error at load instead of a matcher that never matches.
 */
export const ALERT_LABELS = ['kind', 'severity', 'app', 'flow', 'country', 'provider', 'action'] as const;
export type AlertLabel = (typeof ALERT_LABELS)[number];
export type AlertLabels = Record<AlertLabel, string>;

/** An alert's labels; a scope key the detector left out is the empty string, as in Alertmanager. */
export function labelsOf(alert: Pick<AlertInput, 'kind' | 'severity' | 'scope' | 'action'>): AlertLabels {
  return {
    kind: alert.kind,
    severity: alert.severity,
    app: alert.scope.app ?? '',
    flow: alert.scope.flow ?? '',
    country: alert.scope.country ?? '',
    provider: alert.scope.provider ?? '',
    action: alert.action,
  };
}

export function isAlertLabel(name: string): name is AlertLabel {
  return (ALERT_LABELS as readonly string[]).includes(name);
}
