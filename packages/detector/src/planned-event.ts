/**
 * Planned events: a campaign, launch, migration or holiday declared ahead of time. Inside its window
 * and scope the detector takes the declared volume as expected; it keeps judging conversion, cost
 * and number enumeration as always, because a planned campaign is no cover for pumping.
 */
import { checkScope, scopeCovers, type Scope, type ScopeAttributes } from '@tollgate/vocabulary';
import type { PlannedEventRecord } from '@tollgate/store';

export const PLANNED_EVENT_KINDS = ['campaign', 'launch', 'migration', 'holiday'] as const;
export type PlannedEventKind = (typeof PLANNED_EVENT_KINDS)[number];

/** Nothing is silent for ever: a planned event lasts at most this long. */
export const MAX_PLANNED_EVENT_MS = 30 * 86_400_000;
/** A declared multiplier past this is a typo, or an attack's cover. */
export const MAX_VOLUME_MULTIPLIER = 50;

export interface PlannedEvent {
  id: string;
  kind: PlannedEventKind;
  scope: Scope;
  startsAt: number;
  endsAt: number;
  /** Expected volume against the usual (3 = three times the seasonal baseline). */
  volumeMultiplier: number;
  /** The team that owns this scope's alerts during the window, if not the usual owner. */
  owner?: string;
  note: string;
  author: string;
  createdAt: number;
}

export type PlannedEventParse = { ok: true; event: PlannedEvent } | { ok: false; errors: Array<{ field: string; reason: string }> };

/** Validates a planned event as it comes from the API; `owners` are the names the rules define. */
export function parsePlannedEvent(
  draft: Omit<PlannedEvent, 'owner'> & { owner?: string },
  owners: readonly string[],
  nowMs: number,
): PlannedEventParse {
  const errors: Array<{ field: string; reason: string }> = [];
  if (!(PLANNED_EVENT_KINDS as readonly string[]).includes(draft.kind))
    errors.push({ field: 'kind', reason: `choose one of ${PLANNED_EVENT_KINDS.join(', ')}` });
  const scopeError = checkScope(draft.scope);
  if (scopeError) errors.push({ field: 'scope', reason: scopeError.message });
  if (Object.keys(draft.scope).length === 0)
    errors.push({
      field: 'scope',
      reason: 'name at least one of app, flow, country, prefix, asn, provider: a planned event for all traffic would hide every spike',
    });
  if (!(draft.endsAt > draft.startsAt)) errors.push({ field: 'endsAt', reason: 'must be after startsAt' });
  else if (draft.endsAt - draft.startsAt > MAX_PLANNED_EVENT_MS)
    errors.push({ field: 'endsAt', reason: 'a planned event lasts at most 30 days: declare the next one when it comes' });
  if (draft.endsAt <= nowMs) errors.push({ field: 'endsAt', reason: 'must be in the future' });
  if (!(draft.volumeMultiplier >= 1 && draft.volumeMultiplier <= MAX_VOLUME_MULTIPLIER)) {
    errors.push({
      field: 'volumeMultiplier',
      reason: `must be between 1 and ${MAX_VOLUME_MULTIPLIER} (the expected volume against the usual)`,
    });
  }
  if (draft.owner !== undefined && !owners.includes(draft.owner))
    errors.push({ field: 'owner', reason: `no owner "${draft.owner}" in the rules (owners: ${owners.join(', ')})` });
  if (draft.note.trim() === '') errors.push({ field: 'note', reason: 'say what is planned: it is shown on every alert it explains' });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, event: draft as PlannedEvent };
}

/**
 * The volume the plans expect of `scope` around `atMs`: the largest multiplier among the events in
 * effect then whose scope covers it (a campaign on country BR covers BR's prefixes), 1 without one.
 */
export function plannedVolumeMultiplier(events: readonly PlannedEvent[], scope: Scope, atMs: number): number {
  let multiplier = 1;
  for (const event of events) {
    // A scope with a key the event names but the scope lacks is broader than the event: not covered.
    if (event.startsAt <= atMs && atMs < event.endsAt && scopeCovers(event.scope, scope as ScopeAttributes))
      multiplier = Math.max(multiplier, event.volumeMultiplier);
  }
  return multiplier;
}

export function toPlannedEventRecord(event: PlannedEvent, version: number): PlannedEventRecord {
  return {
    id: event.id,
    version,
    kind: event.kind,
    scope: JSON.stringify(event.scope),
    starts_at: event.startsAt,
    ends_at: event.endsAt,
    volume_multiplier: event.volumeMultiplier,
    owner: event.owner ?? '',
    note: event.note,
    author: event.author,
    created_at: event.createdAt,
  };
}

export function fromPlannedEventRecord(record: PlannedEventRecord): PlannedEvent {
  return {
    id: record.id,
    kind: record.kind as PlannedEventKind,
    scope: JSON.parse(record.scope) as Scope,
    startsAt: record.starts_at,
    endsAt: record.ends_at,
    volumeMultiplier: record.volume_multiplier,
    ...(record.owner === '' ? {} : { owner: record.owner }),
    note: record.note,
    author: record.author,
    createdAt: record.created_at,
  };
}
