import type { Severity } from '@tollgate/vocabulary';
import type { IncidentRecord, IncidentTimelineRecord, SilenceRecord } from '@tollgate/store';
import type { AlertInput } from './alert-input.ts';
import type { Incident, IncidentState, TimelineEntry } from './incident.ts';
import { parseSilence, type Silence, type SilenceParse } from './silence.ts';

/**
 * Incidents and silences as store rows and back: the domain keeps its types, the store keeps flat
 * columns (what lists filter on) plus JSON for the parts whose shape belongs to this package.
 */
export function toIncidentRecord(incident: Incident, version: number): IncidentRecord {
  return {
    id: incident.id,
    version,
    group_key: incident.groupKey,
    route_path: incident.routePath,
    owner: incident.owner,
    title: incident.title,
    severity: incident.severity,
    state: incident.state,
    anomalies: JSON.stringify(incident.anomalies),
    opened_at: incident.openedAt,
    updated_at: incident.updatedAt,
    acknowledged_at: incident.acknowledgedAt ?? 0,
    acknowledged_by: incident.acknowledgedBy ?? '',
    resolved_at: incident.resolvedAt ?? 0,
    resolved_by: incident.resolvedBy ?? '',
    spend_usd: incident.spendUsd,
    prevented_usd: incident.preventedUsd,
    escalated_levels: incident.escalatedLevels,
  };
}

/** The timeline entries from `fromSeq` on (the ones not stored yet), numbered by position. */
export function toTimelineRecords(incident: Incident, fromSeq = 0): IncidentTimelineRecord[] {
  return incident.timeline.slice(fromSeq).map((entry, index) => {
    const { at, actor, type, ...detail } = entry;
    return { incident_id: incident.id, seq: fromSeq + index, at, actor, type, detail: JSON.stringify(detail) };
  });
}

export function fromIncidentRecord(record: IncidentRecord, timeline: readonly IncidentTimelineRecord[]): Incident {
  return {
    id: record.id,
    groupKey: record.group_key,
    routePath: record.route_path,
    owner: record.owner,
    title: record.title,
    severity: record.severity as Severity,
    state: record.state as IncidentState,
    anomalies: JSON.parse(record.anomalies) as AlertInput[],
    openedAt: record.opened_at,
    updatedAt: record.updated_at,
    ...(record.acknowledged_at === 0 ? {} : { acknowledgedAt: record.acknowledged_at, acknowledgedBy: record.acknowledged_by }),
    ...(record.resolved_at === 0 ? {} : { resolvedAt: record.resolved_at, resolvedBy: record.resolved_by }),
    spendUsd: record.spend_usd,
    preventedUsd: record.prevented_usd,
    escalatedLevels: record.escalated_levels,
    timeline: [...timeline]
      .sort((a, b) => a.seq - b.seq)
      .map((row) => ({ at: row.at, actor: row.actor, type: row.type, ...(JSON.parse(row.detail) as object) }) as TimelineEntry),
  };
}

export function toSilenceRecord(silence: Silence, input: { version: number; createdAt: number; deleted?: boolean }): SilenceRecord {
  return {
    id: silence.id,
    version: input.version,
    matchers: silence.matchers.map((matcher) => matcher.text),
    author: silence.author,
    reason: silence.reason,
    starts_at: silence.startsAt,
    ends_at: silence.endsAt,
    created_at: input.createdAt,
    deleted: input.deleted ? 1 : 0,
  };
}

/** Re-validates a stored silence: matchers are re-parsed, so a stored one can never match wrongly. */
export function fromSilenceRecord(record: SilenceRecord): SilenceParse {
  return parseSilence({
    id: record.id,
    matchers: record.matchers,
    author: record.author,
    reason: record.reason,
    startsAt: record.starts_at,
    endsAt: record.ends_at,
  });
}
