import type { Incident } from '../lib/api-types.ts';

export function IncidentBadges({ incident }: { incident: Pick<Incident, 'severity' | 'state' | 'category'> }) {
  return (
    <>
      <span className={`badge sev-${incident.severity}`}>{incident.severity}</span>{' '}
      <span className={`badge state-${incident.state}`}>{incident.state}</span> <span className="badge">{incident.category}</span>
    </>
  );
}
