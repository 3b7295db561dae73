import type { Incident, OwnerPerformance } from './api-types.ts';
import type { Row } from './chart-data.ts';

export type ResponseStep = 'acknowledge' | 'mitigate';

/**
 * One bar group per owner: the median and p90 as a share of the owner's target, so owners with a
 * 5-minute and a 1-day target read on one scale and a bar past 100 % is a target missed. Owners
 * without a target or a measured incident have nothing to draw (the table says which).
 */
export function responseRows(owners: OwnerPerformance[], step: ResponseStep): Row[] {
  return owners.flatMap((owner) => {
    const target = owner.targets[`${step}Ms`];
    const { medianMs, p90Ms } = owner[step];
    if (target === undefined || target <= 0 || medianMs === undefined || p90Ms === undefined) return [];
    return [{ owner: owner.owner, median: medianMs / target, p90: p90Ms / target }];
  });
}

/** Whether an owner meets a target: the p90 within it. Unknown without a target or a measure. */
export function meetsTarget(owner: OwnerPerformance, step: ResponseStep): boolean | null {
  const target = owner.targets[`${step}Ms`];
  const p90 = owner[step].p90Ms;
  return target === undefined || p90 === undefined ? null : p90 <= target;
}

/** Open incidents by owner, oldest first within each: the one waiting longest is read first. */
export function openByOwner(incidents: Incident[]): Map<string, Incident[]> {
  const byOwner = new Map<string, Incident[]>();
  for (const incident of incidents) {
    if (incident.state === 'resolved') continue;
    byOwner.set(incident.owner, [...(byOwner.get(incident.owner) ?? []), incident]);
  }
  for (const list of byOwner.values()) list.sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt));
  return byOwner;
}
