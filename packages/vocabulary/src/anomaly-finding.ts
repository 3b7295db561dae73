import type { Scope } from './scope.ts';

/**
 * The detector's anomaly kinds. Policies name them, so a typo in a policy file is an
 * error at load instead of a rule that silently never fires.
 */
export const ANOMALY_KINDS = [
  'volume_spike',
  'conversion_drop',
  'cost_spike',
  'budget_burn',
  'new_destination',
  'sequential_numbers',
  'asn_concentration',
  'verify_bruteforce',
  'delivery_failure',
  'delivery_latency',
  'billing_mismatch',
] as const;

export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** Mildest first: `min_severity` in a policy means this one or any later. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

export type Severity = (typeof SEVERITIES)[number];

export function severityAtLeast(severity: Severity, minimum: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(minimum);
}

/** What auto-trip needs of a detector anomaly: its id (the breaker's reason), kind, severity and the scope it was attributed to. */
export interface AnomalyFinding {
  id: string;
  kind: AnomalyKind;
  severity: Severity;
  scope: Scope;
}
