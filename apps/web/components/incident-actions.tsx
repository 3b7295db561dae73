import type { Incident } from '../lib/api-types.ts';
import { ConfirmForm } from './confirm-form.tsx';

/**
 * Acknowledge (one click: it only says "I am on it"), resolve (confirmed, with a reason) and, given
 * the owners, reassign (confirmed: the new owner is notified on their channels).
 */
export function IncidentActions({ incident, back, owners = [] }: { incident: Incident; back: string; owners?: string[] }) {
  const others = owners.filter((owner) => owner !== incident.owner);
  if (incident.state === 'resolved')
    return <span className="muted small">resolved{incident.resolvedBy ? ` by ${incident.resolvedBy}` : ''}</span>;
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
      {others.length > 0 && (
        <ConfirmForm
          action="/incidents/act"
          label="Reassign"
          confirmLabel="Reassign incident"
          warning={`${incident.owner} hands the incident over: the new owner is notified on their channels, and ${incident.owner} hears it in the thread.`}
          fields={{ id: incident.id, op: 'reassign', back }}
        >
          <label>
            New owner
            <select name="owner" required defaultValue={others[0]}>
              {others.map((owner) => (
                <option key={owner}>{owner}</option>
              ))}
            </select>
          </label>
        </ConfirmForm>
      )}
    </div>
  );
}
