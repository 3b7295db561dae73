/**
 * An anomaly: a finding with a life. Its key is kind + scope, so every step that sees the same
 * signal updates it; its id adds the event-time minute it opened, so a re-run of the same history
 * gives the same ids and a later episode of the same signal gets a new one.
 */
import { createHash } from 'node:crypto';
import { describeScope, SEVERITIES, type Severity } from '@tollgate/vocabulary';
import type { Finding, SuggestedAction } from './finding.ts';

export type AnomalyState = 'open' | 'resolved';

export interface EvidencePoint {
  ts: number;
  observed: number;
  expected?: number;
  low?: number;
  high?: number;
}

export interface Anomaly extends Finding {
  id: string;
  key: string;
  state: AnomalyState;
  openedAt: number;
  updatedAt: number;
  /** Last step that still saw the signal. */
  lastSeenAt: number;
  resolvedAt?: number;
  /** Per-minute evidence around the window, for charts. */
  series: EvidencePoint[];
}

const ACTIONS: readonly SuggestedAction[] = ['alert', 'challenge', 'block'];

export function anomalyKey(finding: Pick<Finding, 'kind' | 'scope'>): string {
  return `${finding.kind}:${describeScope(finding.scope)}`;
}

export function anomalyId(key: string, openedAt: number): string {
  return `an_${createHash('sha256').update(`${key}@${openedAt}`).digest('hex').slice(0, 20)}`;
}

export function strongerSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b;
}

export function strongerAction(a: SuggestedAction, b: SuggestedAction): SuggestedAction {
  return ACTIONS.indexOf(a) >= ACTIONS.indexOf(b) ? a : b;
}
