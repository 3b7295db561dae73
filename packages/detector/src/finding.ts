/**
 * What one detection step reports: a finding per kind and scope, carrying its own evidence. The
 * lifecycle turns findings into anomalies (open, updated, resolved); a finding is a value and says why.
 */
import type { AnomalyKind, Severity } from '@tollgate/vocabulary';
import type { Scope } from './scope.ts';

export type SuggestedAction = 'block' | 'challenge' | 'alert';

/** A part of the scope that carries the anomaly: a prefix, an ASN, a provider, a number block, a carrier. */
export interface Contributor {
  dimension: 'country' | 'prefix' | 'asn' | 'provider' | 'app' | 'flow' | 'block' | 'session' | 'ip' | 'phone' | 'carrier';
  value: string;
  /** Sends (failures for verify brute force, slow deliveries for delivery latency) in the finding's window. */
  count: number;
  /** Its share of the finding's total. */
  share: number;
  label?: string;
}

export interface Finding {
  kind: AnomalyKind;
  scope: Scope;
  severity: Severity;
  action: SuggestedAction;
  /** How far from normal, in the kind's own terms (z-score-like; larger is stranger). */
  score: number;
  /** What was measured and what the baseline expected, in `unit`. */
  observed: number;
  expected: number;
  band: { low: number; high: number };
  unit: string;
  /** Money the anomaly is costing (or putting at risk) per hour, in USD. */
  costPerHourUsd: number;
  /** Event-time window the evidence covers. */
  windowStartMs: number;
  windowEndMs: number;
  summary: string;
  contributors: Contributor[];
  /** Kind-specific facts (method of the baseline, hosting share, forecast...). */
  facts: Record<string, number | string | boolean>;
}

/** Money per hour to severity: what an on-call person would want to be woken for. */
export function severityForCost(costPerHourUsd: number, thresholds: { critical: number; high: number; medium: number }): Severity {
  if (costPerHourUsd >= thresholds.critical) return 'critical';
  if (costPerHourUsd >= thresholds.high) return 'high';
  if (costPerHourUsd >= thresholds.medium) return 'medium';
  return 'low';
}
