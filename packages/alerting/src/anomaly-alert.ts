import type { Anomaly } from '@tollgate/detector';
import type { AlertInput } from './alert-input.ts';

/** The detector's anomaly as alert routing sees it: the live runtime and the demo's replay both route these. */
export function alertOf(anomaly: Anomaly): AlertInput {
  return {
    id: anomaly.id,
    kind: anomaly.kind,
    severity: anomaly.severity,
    state: anomaly.state,
    scope: anomaly.scope,
    action: anomaly.action,
    summary: anomaly.summary,
    costPerHourUsd: anomaly.costPerHourUsd,
    observed: anomaly.observed,
    expected: anomaly.expected,
    openedAt: anomaly.openedAt,
    updatedAt: anomaly.updatedAt,
    ...(anomaly.resolvedAt === undefined ? {} : { resolvedAt: anomaly.resolvedAt }),
  };
}
