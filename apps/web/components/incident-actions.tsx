import type { Incident } from '../lib/api-types.ts';
import { ConfirmForm } from './confirm-form.tsx';

/** Acknowledge (one click: it only says "I am on it") and resolve (confirmed, with a reason). */
export function IncidentActions({ incident, back }: { incident: Incident; back: string }) {
  if (incident.state === 'resolved') return <span className="muted small">resolved{incident.resolvedBy ? ` by ${incident.resolvedBy}` : ''}</span>;
  return (
    <div className="actions">
      {incident.state === 'triggered' && (
        <form method="post" action="/incidents/act">
          <input type="hidden" name="id" value={incident.id} />
          <input type="hidden" name="op" value="acknowledge" />
          <input type="hidden" name="back" value={back} />
          <button type="submit" className="primary">
            Acknowledge
          </button>
        </form>
      )}
      <ConfirmForm
        action="/incidents/act"
        label="Resolve"
        confirmLabel="Resolve incident"
        warning="Resolving closes the incident and its pages; anomalies still firing open no new incident."
        fields={{ id: incident.id, op: 'resolve', back }}
      />
    </div>
  );
}
