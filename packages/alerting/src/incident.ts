import { createHash } from 'node:crypto';
import { SEVERITIES, type Severity } from '@tollgate/vocabulary';
import type { AlertInput } from './alert-input.ts';
import { primaryMatch, route, type RouteMatch } from './route-tree.ts';
import type { AlertingConfig } from './rules-config.ts';

export type IncidentState = 'triggered' | 'acknowledged' | 'resolved';
export type NotificationChannel = 'slack' | 'pagerduty' | 'webhook';
/** `digest`: finance's daily spend message, sent through the same outbox (its "incident" is the day). */
export type NotificationEvent = 'trigger' | 'acknowledge' | 'resolve' | 'follow_up' | 'escalate' | 'digest';

/** Who did something when no person did: the detector, the router, a breaker. */
export const SYSTEM_ACTOR = 'tollgate';

/** One line of an incident's history; what the incident page and the post-mortem read. */
export type TimelineEntry = { at: number; actor: string } & (
  | { type: 'opened'; alertId: string; summary: string }
  | { type: 'anomaly_added'; alertId: string; summary: string }
  | { type: 'anomaly_resolved'; alertId: string }
  | { type: 'notified'; channel: NotificationChannel; target: string; event: NotificationEvent }
  | { type: 'paged'; target: string; event: NotificationEvent }
  /** A notification that could not be delivered: on-call must not believe someone was paged. */
  | { type: 'notify_failed'; channel: NotificationChannel; target: string; event: NotificationEvent; error: string; retrying: boolean }
  | { type: 'escalated'; contact: string; level: number }
  | { type: 'acknowledged' }
  | { type: 'note'; text: string }
  | { type: 'reassigned'; from: string; to: string; reason: string }
  | { type: 'breaker_tripped'; breakerId: string; scope: string }
  | { type: 'breaker_reset'; breakerId: string; scope: string }
  | { type: 'resolved'; reason: string }
);

/** Anomalies grouped by their route's group key, owned by one team, with the money at stake. */
export interface Incident {
  id: string;
  groupKey: string;
  routePath: string;
  owner: string;
  title: string;
  /** The most severe of its anomalies, resolved ones included: how bad it got. */
  severity: Severity;
  state: IncidentState;
  anomalies: AlertInput[];
  openedAt: number;
  updatedAt: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
  resolvedBy?: string;
  /** Filled by the caller from the spend rollups: what the incident cost while it was open. */
  spendUsd: number;
  /** Filled by the caller from the decision counts: sends its breakers blocked, priced. */
  preventedUsd: number;
  /** Escalation contacts paged so far. */
  escalatedLevels: number;
  timeline: TimelineEntry[];
}

export const INCIDENT_ERROR_CODES = [
  'incident_resolved',
  'already_acknowledged',
  'already_resolved',
  'same_owner',
  'unknown_owner',
  'empty_note',
  'negative_amount',
] as const;
export type IncidentErrorCode = (typeof INCIDENT_ERROR_CODES)[number];

/** A transition's outcome: the new incident and why, or why not (never a throw for a refused action). */
export type IncidentTransition =
  { ok: true; incident: Incident; reason: string } | { ok: false; error: { code: IncidentErrorCode; message: string } };

/** Stable for a group and its opening time, so a replayed opening yields the same incident. */
export function incidentIdFor(groupKey: string, openedAt: number): string {
  return `inc_${createHash('sha256').update(`${groupKey}\n${openedAt}`).digest('hex').slice(0, 16)}`;
}

export function openIncident(input: { id: string; match: RouteMatch; alert: AlertInput; nowMs: number }): Incident {
  const { id, match, alert, nowMs } = input;
  return {
    id,
    groupKey: match.groupKey,
    routePath: match.routePath,
    owner: match.receiver,
    title: alert.summary,
    severity: alert.severity,
    state: 'triggered',
    anomalies: [alert],
    openedAt: nowMs,
    updatedAt: nowMs,
    spendUsd: 0,
    preventedUsd: 0,
    escalatedLevels: 0,
    timeline: [{ at: nowMs, actor: SYSTEM_ACTOR, type: 'opened', alertId: alert.id, summary: alert.summary }],
  };
}

/**
 * Adds an anomaly's latest state. The incident resolves itself once every anomaly in it has
 * resolved; a resolved incident takes no more anomalies (a recurrence opens a new incident, so
 * the first one's timeline and cost stay as they were).
 */
export function applyAlert(incident: Incident, alert: AlertInput, nowMs: number): IncidentTransition {
  if (incident.state === 'resolved')
    return refuse('incident_resolved', `incident ${incident.id} is resolved; a new anomaly opens a new incident`);
  const previous = incident.anomalies.find((anomaly) => anomaly.id === alert.id);
  const anomalies =
    previous === undefined ? [...incident.anomalies, alert] : incident.anomalies.map((a) => (a.id === alert.id ? alert : a));
  const entries: TimelineEntry[] = [];
  if (previous === undefined)
    entries.push({ at: nowMs, actor: SYSTEM_ACTOR, type: 'anomaly_added', alertId: alert.id, summary: alert.summary });
  if (alert.state === 'resolved' && previous?.state !== 'resolved')
    entries.push({ at: nowMs, actor: SYSTEM_ACTOR, type: 'anomaly_resolved', alertId: alert.id });
  const next: Incident = {
    ...incident,
    anomalies,
    severity: maxSeverity(anomalies),
    updatedAt: nowMs,
    timeline: [...incident.timeline, ...entries],
  };
  if (anomalies.every((anomaly) => anomaly.state === 'resolved')) {
    return resolveWith(next, SYSTEM_ACTOR, nowMs, 'all its anomalies resolved');
  }
  const what =
    previous === undefined
      ? `added anomaly ${alert.id}`
      : alert.state === 'resolved'
        ? `anomaly ${alert.id} resolved`
        : `updated anomaly ${alert.id}`;
  return {
    ok: true,
    incident: next,
    reason: next.severity === incident.severity ? what : `${what}; severity ${incident.severity} -> ${next.severity}`,
  };
}

export function acknowledge(incident: Incident, by: string, nowMs: number): IncidentTransition {
  if (incident.state === 'resolved') return refuse('incident_resolved', `incident ${incident.id} is already resolved`);
  if (incident.state === 'acknowledged')
    return refuse('already_acknowledged', `incident ${incident.id} was acknowledged by ${incident.acknowledgedBy}`);
  return {
    ok: true,
    incident: {
      ...incident,
      state: 'acknowledged',
      acknowledgedAt: nowMs,
      acknowledgedBy: by,
      updatedAt: nowMs,
      timeline: [...incident.timeline, { at: nowMs, actor: by, type: 'acknowledged' }],
    },
    reason: `acknowledged by ${by}`,
  };
}

/** Resolving by hand: the anomalies may still be open (a false positive, or handled elsewhere). */
export function resolve(incident: Incident, by: string, nowMs: number, reason = 'resolved by hand'): IncidentTransition {
  if (incident.state === 'resolved') return refuse('already_resolved', `incident ${incident.id} was resolved by ${incident.resolvedBy}`);
  return resolveWith(incident, by, nowMs, reason);
}

export function addNote(incident: Incident, by: string, text: string, nowMs: number): IncidentTransition {
  if (text.trim() === '') return refuse('empty_note', 'a note needs text');
  return { ok: true, incident: append(incident, { at: nowMs, actor: by, type: 'note', text }), reason: `note by ${by}` };
}

/** Hands the incident to another owner; `owners` are the names the rules define. */
export function reassign(
  incident: Incident,
  input: { by: string; to: string; reason: string; owners: readonly string[]; nowMs: number },
): IncidentTransition {
  const { by, to, reason, owners, nowMs } = input;
  if (incident.state === 'resolved') return refuse('incident_resolved', `incident ${incident.id} is resolved`);
  if (to === incident.owner) return refuse('same_owner', `incident ${incident.id} is already owned by ${to}`);
  if (!owners.includes(to)) return refuse('unknown_owner', `no owner "${to}" (owners: ${owners.join(', ')})`);
  const next = append({ ...incident, owner: to }, { at: nowMs, actor: by, type: 'reassigned', from: incident.owner, to, reason });
  return { ok: true, incident: next, reason: `reassigned from ${incident.owner} to ${to} by ${by}` };
}

/** Records a notification that went out; a PagerDuty trigger or escalation is also a page. */
export function recordNotified(
  incident: Incident,
  input: { channel: NotificationChannel; target: string; event: NotificationEvent; nowMs: number },
): Incident {
  const { channel, target, event, nowMs } = input;
  const entry: TimelineEntry =
    channel === 'pagerduty' && (event === 'trigger' || event === 'escalate')
      ? { at: nowMs, actor: SYSTEM_ACTOR, type: 'paged', target, event }
      : { at: nowMs, actor: SYSTEM_ACTOR, type: 'notified', channel, target, event };
  return append(incident, entry);
}

/**
 * A notification that failed: given up on, or failing for the first time and retried (later
 * retries of the same one add nothing, so a Slack outage does not flood the timeline).
 */
export function recordNotifyFailed(
  incident: Incident,
  input: { channel: NotificationChannel; target: string; event: NotificationEvent; error: string; retrying: boolean; nowMs: number },
): Incident {
  const { channel, target, event, error, retrying, nowMs } = input;
  return append(incident, { at: nowMs, actor: SYSTEM_ACTOR, type: 'notify_failed', channel, target, event, error, retrying });
}

export function recordEscalation(incident: Incident, input: { contact: string; level: number; nowMs: number }): Incident {
  return append(
    { ...incident, escalatedLevels: Math.max(incident.escalatedLevels, input.level) },
    { at: input.nowMs, actor: SYSTEM_ACTOR, type: 'escalated', contact: input.contact, level: input.level },
  );
}

export function recordBreaker(
  incident: Incident,
  input: { change: 'tripped' | 'reset'; breakerId: string; scope: string; by: string; nowMs: number },
): Incident {
  const type = input.change === 'tripped' ? 'breaker_tripped' : 'breaker_reset';
  return append(incident, { at: input.nowMs, actor: input.by, type, breakerId: input.breakerId, scope: input.scope });
}

/** The money, as the caller computed it from the spend rollups and the decision counts. */
export function setMoney(incident: Incident, input: { spendUsd: number; preventedUsd: number; nowMs: number }): IncidentTransition {
  if (!(input.spendUsd >= 0) || !(input.preventedUsd >= 0))
    return refuse('negative_amount', 'spendUsd and preventedUsd are amounts of money spent or saved, never negative');
  return {
    ok: true,
    incident: { ...incident, spendUsd: input.spendUsd, preventedUsd: input.preventedUsd, updatedAt: input.nowMs },
    reason: `spend $${input.spendUsd.toFixed(2)}, prevented $${input.preventedUsd.toFixed(2)}`,
  };
}

export type GroupingOutcome =
  | { action: 'opened'; incident: Incident; match: RouteMatch; reason: string }
  | { action: 'updated'; incident: Incident; match: RouteMatch; reason: string }
  | { action: 'ignored'; reason: string };

/**
 * Puts an anomaly into the open incident of its group (the primary route's group key), or opens
 * one. A resolved anomaly with no open incident is ignored: there is nothing left to tell anyone.
 */
export function groupIntoIncident(input: {
  config: AlertingConfig;
  openIncidents: readonly Incident[];
  alert: AlertInput;
  nowMs: number;
  newId?: (groupKey: string, nowMs: number) => string;
}): GroupingOutcome {
  const { config, openIncidents, alert, nowMs, newId = incidentIdFor } = input;
  const match = primaryMatch(route(config, alert));
  if (match === undefined) return { action: 'ignored', reason: `no owner for ${alert.kind}: the rules route it nowhere` };
  const current = openIncidents.find((incident) => incident.groupKey === match.groupKey && incident.state !== 'resolved');
  if (current === undefined) {
    if (alert.state === 'resolved')
      return { action: 'ignored', reason: `anomaly ${alert.id} resolved with no open incident in ${match.groupKey}` };
    const incident = openIncident({ id: newId(match.groupKey, nowMs), match, alert, nowMs });
    return { action: 'opened', incident, match, reason: `opened for ${match.receiver} in ${match.groupKey}` };
  }
  const applied = applyAlert(current, alert, nowMs);
  if (!applied.ok) return { action: 'ignored', reason: applied.error.message };
  return { action: 'updated', incident: applied.incident, match, reason: applied.reason };
}

function resolveWith(incident: Incident, by: string, nowMs: number, reason: string): IncidentTransition {
  const next = append(
    { ...incident, state: 'resolved', resolvedAt: nowMs, resolvedBy: by },
    { at: nowMs, actor: by, type: 'resolved', reason },
  );
  return { ok: true, incident: next, reason: `resolved: ${reason}` };
}

function append(incident: Incident, entry: TimelineEntry): Incident {
  return { ...incident, updatedAt: entry.at, timeline: [...incident.timeline, entry] };
}

function refuse(code: IncidentErrorCode, message: string): IncidentTransition {
  return { ok: false, error: { code, message } };
}

function maxSeverity(anomalies: readonly AlertInput[]): Severity {
  return anomalies.reduce<Severity>(
    (max, anomaly) => (SEVERITIES.indexOf(anomaly.severity) > SEVERITIES.indexOf(max) ? anomaly.severity : max),
    'low',
  );
}
