import Link from 'next/link';
import type { Breaker, Incident } from '../lib/api-types.ts';
import { incidentHeadline } from '../lib/words.ts';

export type IncidentsByAnomaly = ReadonlyMap<string, Incident>;

/** Each anomaly id of the incidents given, to the incident holding it: what a breaker tripped for. */
export function incidentsByAnomaly(incidents: readonly Incident[]): IncidentsByAnomaly {
  return new Map(incidents.flatMap((incident) => incident.anomalies.map((anomaly): [string, Incident] => [anomaly.id, incident])));
}

/**
 * Why a breaker is there, in words: tripped automatically for an incident (named, linked), or by a
 * person with their note. The ids stay in tooltips.
 */
export function BreakerReason({ breaker, incidents, locale }: { breaker: Breaker; incidents: IncidentsByAnomaly; locale: string }) {
  if (breaker.reason.kind === 'manual') {
    return (
      <span data-reason="manual">
        tripped by {breaker.reason.actor}: “{breaker.reason.note}”
      </span>
    );
  }
  const incident = incidents.get(breaker.reason.anomaly_id);
  return (
    <span data-reason="anomaly" title={`finding ${breaker.reason.anomaly_id}`}>
      tripped automatically for{' '}
      {incident ? (
        <Link href={`/incidents/${incident.id}`}>{incidentHeadline(incident, locale).replace(/\.$/, '')}</Link>
      ) : (
        'a finding of the detector'
      )}
    </span>
  );
}
