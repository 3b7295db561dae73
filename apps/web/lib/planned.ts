import type { PlannedEvent, Scope, TimelineEntry } from './api-types.ts';

/** The scope keys a planned event can name (the API's scope schema). */
export const SCOPE_FIELDS = ['country', 'prefix', 'asn', 'app', 'flow', 'provider'] as const;

/** The scope typed in the form: blank fields are left out, an ASN is a number when it reads as one. */
export function scopeFromForm(form: { get(name: string): unknown }): Scope {
  const scope: Record<string, string | number> = {};
  for (const field of SCOPE_FIELDS) {
    const value = String(form.get(field) ?? '').trim();
    if (value === '') continue;
    scope[field] = field === 'asn' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return scope as Scope;
}

// How the incident desk names an event on the timeline ("During planned campaign plan_<uuid> until ...").
const PLANNED_EVENT_ID = /\bplan_[0-9a-f-]{36}\b/g;

/**
 * The planned events an incident carries: the desk writes them on the timeline when the incident
 * opens inside one (a note, or the reassignment to the event's temporary owner), by id.
 */
export function plannedEventIdsOf(timeline: TimelineEntry[]): string[] {
  const ids = timeline
    .filter((entry) => entry.type === 'note' || entry.type === 'reassigned')
    .flatMap((entry) => [entry.text, entry.reason].filter((text): text is string => typeof text === 'string'))
    .flatMap((text) => text.match(PLANNED_EVENT_ID) ?? []);
  return [...new Set(ids)];
}

/** Whether an event is in effect now or still to come. */
export function plannedState(event: Pick<PlannedEvent, 'startsAt' | 'endsAt'>, nowMs: number): 'in effect' | 'scheduled' | 'ended' {
  if (Date.parse(event.endsAt) <= nowMs) return 'ended';
  return Date.parse(event.startsAt) <= nowMs ? 'in effect' : 'scheduled';
}
