import { formatDuration } from '@tollgate/vocabulary';
import type { IncidentState } from './incident.ts';
import type { EscalationContact } from './rules-config.ts';

export type EscalationPlan =
  | { action: 'none'; reason: string }
  | { action: 'wait'; untilMs: number; contact: EscalationContact; reason: string }
  | { action: 'escalate'; level: number; contact: EscalationContact; reason: string };

/**
 * Who to page next for an incident nobody has acknowledged: contact N is due `after` from the
 * moment the incident opened, and contacts are paged one by one in file order. An acknowledged
 * or resolved incident escalates no further: someone is on it.
 */
export function planEscalation(input: {
  contacts: readonly EscalationContact[];
  state: IncidentState;
  openedAt: number;
  /** How many contacts have been paged already. */
  escalatedLevels: number;
  nowMs: number;
}): EscalationPlan {
  const { contacts, state, openedAt, escalatedLevels, nowMs } = input;
  if (state !== 'triggered') return { action: 'none', reason: `the incident is ${state}` };
  const contact = contacts[escalatedLevels];
  if (contact === undefined) {
    return {
      action: 'none',
      reason: contacts.length === 0 ? 'the owner has no escalation contacts' : `all ${contacts.length} escalation contacts were paged`,
    };
  }
  const dueAt = openedAt + contact.afterMs;
  const after = formatDuration(contact.afterMs);
  if (nowMs < dueAt)
    return { action: 'wait', untilMs: dueAt, contact, reason: `"${contact.name}" is paged if still unacknowledged ${after} after opening` };
  return {
    action: 'escalate',
    level: escalatedLevels + 1,
    contact,
    reason: `unacknowledged ${after} after opening: paging "${contact.name}"`,
  };
}
