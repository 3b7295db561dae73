/** Anomalies to and from their stored rows (filter columns beside the JSON document). */
import type { AnomalyRecord } from '@tollgate/store';
import type { Anomaly } from './anomaly.ts';

export function toAnomalyRecord(anomaly: Anomaly): AnomalyRecord {
  return {
    id: anomaly.id,
    // Versions order the rows of one id; updates within one millisecond keep the later one too.
    version: anomaly.updatedAt * 10 + (anomaly.state === 'resolved' ? 1 : 0),
    kind: anomaly.kind,
    scope_key: anomaly.key,
    state: anomaly.state,
    severity: anomaly.severity,
    action: anomaly.action,
    app: anomaly.scope.app ?? '',
    flow: anomaly.scope.flow ?? '',
    country: anomaly.scope.country ?? '',
    prefix: anomaly.scope.prefix ?? '',
    asn: anomaly.scope.asn ?? 0,
    provider: anomaly.scope.provider ?? '',
    score: anomaly.score,
    cost_per_hour_usd: anomaly.costPerHourUsd,
    opened_at: anomaly.openedAt,
    updated_at: anomaly.updatedAt,
    resolved_at: anomaly.resolvedAt ?? 0,
    doc: JSON.stringify(anomaly),
  };
}

export function fromAnomalyRecord(record: AnomalyRecord): Anomaly {
  return JSON.parse(record.doc) as Anomaly;
}
