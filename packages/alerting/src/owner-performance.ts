/**
 * Who acts when, measured: each owner's incidents against the response targets they declared in
 * alert-rules/owners.yaml. Time to acknowledge runs from the opening to the first acknowledgement;
 * time to mitigate to the moment the money stopped (the first breaker trip, or the resolution).
 */
import { quantileSorted } from 'simple-statistics';
import type { Owner, OwnerRole, ResponseTargets } from './rules-config.ts';

/** What the measure needs of an incident. */
export interface MeasuredIncident {
  id: string;
  owner: string;
  title: string;
  state: 'triggered' | 'acknowledged' | 'resolved';
  openedAt: number;
  acknowledgedAt?: number;
  resolvedAt?: number;
  /** The first breaker tripped for it, if any. */
  firstTripAt?: number;
}

export interface ResponseMeasure {
  /** Incidents the measure applies to (acknowledged, or mitigated, so far). */
  measured: number;
  medianMs?: number;
  p90Ms?: number;
  /** Share of measured incidents within the target; absent without a target. */
  withinTarget?: number;
}

export interface OwnerPerformance {
  owner: string;
  role: OwnerRole;
  targets: ResponseTargets;
  incidents: number;
  open: number;
  acknowledge: ResponseMeasure;
  mitigate: ResponseMeasure;
  /** Open incidents past a target right now: who is late, by how much. */
  overdue: Array<{ incidentId: string; title: string; target: 'acknowledge' | 'mitigate'; overdueMs: number }>;
}

function mitigatedAt(incident: Pick<MeasuredIncident, 'firstTripAt' | 'resolvedAt'>): number | undefined {
  const candidates = [incident.firstTripAt, incident.resolvedAt].filter((at): at is number => at !== undefined);
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}

export function ownerPerformance(owners: readonly Owner[], incidents: readonly MeasuredIncident[], nowMs: number): OwnerPerformance[] {
  return owners.map((owner) => {
    const own = incidents.filter((incident) => incident.owner === owner.name);
    const acknowledged = own.flatMap((incident) =>
      incident.acknowledgedAt === undefined ? [] : [incident.acknowledgedAt - incident.openedAt],
    );
    const mitigated = own.flatMap((incident) => {
      const at = mitigatedAt(incident);
      return at === undefined ? [] : [at - incident.openedAt];
    });
    const overdue: OwnerPerformance['overdue'] = [];
    for (const incident of own.filter((candidate) => candidate.state !== 'resolved')) {
      const age = nowMs - incident.openedAt;
      const { acknowledgeMs, mitigateMs } = owner.targets;
      if (incident.acknowledgedAt === undefined && acknowledgeMs !== undefined && age > acknowledgeMs) {
        overdue.push({ incidentId: incident.id, title: incident.title, target: 'acknowledge', overdueMs: age - acknowledgeMs });
      }
      if (mitigatedAt(incident) === undefined && mitigateMs !== undefined && age > mitigateMs) {
        overdue.push({ incidentId: incident.id, title: incident.title, target: 'mitigate', overdueMs: age - mitigateMs });
      }
    }
    return {
      owner: owner.name,
      role: owner.role,
      targets: owner.targets,
      incidents: own.length,
      open: own.filter((incident) => incident.state !== 'resolved').length,
      acknowledge: measure(acknowledged, owner.targets.acknowledgeMs),
      mitigate: measure(mitigated, owner.targets.mitigateMs),
      overdue: overdue.sort((a, b) => b.overdueMs - a.overdueMs),
    };
  });
}

function measure(durations: readonly number[], targetMs: number | undefined): ResponseMeasure {
  if (durations.length === 0) return { measured: 0 };
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    measured: sorted.length,
    medianMs: quantileSorted(sorted, 0.5),
    p90Ms: quantileSorted(sorted, 0.9),
    ...(targetMs === undefined ? {} : { withinTarget: sorted.filter((duration) => duration <= targetMs).length / sorted.length }),
  };
}
