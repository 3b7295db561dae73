import {
  appendIncidentTimeline,
  incidentById,
  incidentTimeline,
  listIncidents,
  notificationsOfIncident,
  saveIncidents,
  scopeMoney,
  type Store,
} from '@tollgate/store';
import { scopeCovers, type ScopeAttributes } from '@tollgate/vocabulary';
import type { AlertInput } from './alert-input.ts';
import { planEscalation } from './escalation-plan.ts';
import {
  acknowledge,
  addNote,
  groupIntoIncident,
  reassign,
  recordBreaker,
  recordEscalation,
  recordNotified,
  recordNotifyFailed,
  resolve,
  setMoney,
  SYSTEM_ACTOR,
  type Incident,
  type IncidentErrorCode,
  type IncidentTransition,
  type NotificationChannel,
  type NotificationEvent,
} from './incident.ts';
import { fromIncidentRecord, toIncidentRecord, toTimelineRecords } from './incident-record.ts';
import { inhibited } from './inhibition.ts';
import type { FailedNotification, NotificationOutbox, OutboxLogger } from './notification-outbox.ts';
import { notificationKey } from './notification-outbox.ts';
import { groupFingerprint, planNotification, type GroupState } from './notification-plan.ts';
import { destinationsOf, incidentRouting, type Destination } from './notification-targets.ts';
import { describeIncident, type Notification } from './notifier.ts';
import type { AlertingConfig } from './rules-config.ts';
import { silencedBy, type Silence } from './silence.ts';

/** A declared campaign, launch, migration or holiday, as far as routing is concerned. */
export interface PlannedScope {
  id: string;
  kind: string;
  scope: AlertInput['scope'];
  startsAt: number;
  endsAt: number;
  /** Owns the scope's incidents during the window, instead of the route's owner. */
  owner?: string;
  note: string;
}

/** What an operator's action on an incident came to: the incident, or why not (as an HTTP status). */
export type DeskResult =
  { ok: true; incident: Incident } | { ok: false; status: 404 | 409; error: { code: IncidentErrorCode | 'not_found'; message: string } };

/** Why an anomaly did or did not become (part of) an incident: logged, and what tests read. */
export interface ObserveOutcome {
  alertId: string;
  action: 'opened' | 'updated' | 'ignored' | 'silenced' | 'inhibited';
  incidentId?: string;
  reason: string;
}

export interface IncidentDesk {
  /** Reloads the incidents still open (after a restart they carry on where they were). */
  start(): Promise<void>;
  /** The detector's anomalies that changed: grouped into incidents, unless silenced or inhibited. */
  observe(alerts: readonly AlertInput[]): Promise<ObserveOutcome[]>;
  /** Due notifications (group wait, changes, reminders, resolutions), escalations and money. */
  tick(): Promise<void>;
  acknowledge(id: string, by: string): Promise<DeskResult>;
  resolve(id: string, by: string, reason?: string): Promise<DeskResult>;
  note(id: string, by: string, text: string): Promise<DeskResult>;
  reassign(id: string, input: { by: string; to: string; reason: string }): Promise<DeskResult>;
  /** A breaker tripped for, or reset on, one of an incident's anomalies. */
  breakerChanged(input: { anomalyId: string; breakerId: string; scope: string; change: 'tripped' | 'reset'; by: string }): Promise<void>;
  /** The outbox's "sent": recorded on the incident's timeline ("notified where", "paged"). */
  notified(notification: Notification): Promise<void>;
  /** The outbox's "failed": on the timeline with the reason, so nobody believes the owner was reached. */
  notifyFailed(notification: FailedNotification, outcome: { error: string; retrying: boolean }): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
  /** Open incidents in memory, for the process's own use (readiness, tests). */
  open(): Incident[];
}

interface Tracked {
  incident: Incident;
  version: number;
  /** Timeline entries already in the store. */
  storedSeq: number;
}

/** Notification state of one incident: its group's timing, and who has heard about it. */
interface Conversation extends GroupState {
  /** Every destination that got the trigger, by `channel target`: later events go only to them. */
  triggered: Map<string, Destination>;
}

// Money is re-read from the rollups at most this often per open incident.
const MONEY_REFRESH_MS = 60_000;

/**
 * The incident desk: anomalies in, incidents and notifications out. It groups anomalies into
 * incidents by their route (unless a silence or an inhibition rule says they are noise), times the
 * notifications as Alertmanager would (group_wait, group_interval, repeat_interval), pages the
 * escalation contacts of incidents nobody acknowledges, keeps each incident's money, and applies
 * what people do (acknowledge, resolve, note, reassign). Every change is stored, timeline first,
 * before anyone is told; notifications go through the persisted outbox, whose idempotency keys
 * make a replayed trigger harmless. Operations run one at a time, so two hands on one incident
 * never lose an update.
 */
export function createIncidentDesk(deps: {
  store: Store;
  clock: () => number;
  /** The rules in force; undefined while the files have never been valid (nothing is routed then). */
  rules: () => AlertingConfig | undefined;
  /** Live silences (the caller keeps them fresh). */
  silences: () => readonly Silence[];
  outbox: Pick<NotificationOutbox, 'enqueue'>;
  /** Planned events in effect (the caller keeps them fresh): incidents in their scope name them, and go to their owner. */
  planned?: () => readonly PlannedScope[];
  logger?: OutboxLogger;
}): IncidentDesk {
  const { store, clock, logger } = deps;
  const open = new Map<string, Tracked>();
  const conversations = new Map<string, Conversation>();
  const active = new Map<string, AlertInput>();
  const moneyReadAt = new Map<string, number>();
  // Anomalies of incidents a person resolved while they were still firing: a person said "not an
  // incident", so the next detection cycle must not open a new one (a silence mutes them for good).
  const dismissed = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();

  function serial<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  }

  /** An incident leaves memory once resolved and told: its money is final. */
  function forget(id: string): void {
    open.delete(id);
    moneyReadAt.delete(id);
  }

  async function load(id: string): Promise<Tracked | undefined> {
    const known = open.get(id);
    if (known) return known;
    const record = await incidentById(store, id);
    if (record === undefined) return undefined;
    const timeline = await incidentTimeline(store, id);
    return { incident: fromIncidentRecord(record, timeline), version: record.version, storedSeq: timeline.length };
  }

  /** Stores a new state of an incident (timeline first) and keeps it in memory while it is open. */
  async function save(tracked: Tracked, incident: Incident): Promise<Tracked> {
    await appendIncidentTimeline(store, toTimelineRecords(incident, tracked.storedSeq));
    const next: Tracked = { incident, version: tracked.version + 1, storedSeq: incident.timeline.length };
    await saveIncidents(store, [toIncidentRecord(incident, next.version)]);
    if (incident.state === 'resolved' && !conversations.has(incident.id)) forget(incident.id);
    else open.set(incident.id, next);
    return next;
  }

  const destination = (target: Destination) => `${target.channel} ${target.target}`;

  /** The breaker sentence of the messages: the last trip or reset on the timeline. */
  function breakerLine(incident: Incident): string | undefined {
    const last = [...incident.timeline].reverse().find((entry) => entry.type === 'breaker_tripped' || entry.type === 'breaker_reset');
    if (last === undefined || (last.type !== 'breaker_tripped' && last.type !== 'breaker_reset')) return undefined;
    const when = new Date(last.at).toISOString().slice(11, 16);
    return last.type === 'breaker_tripped'
      ? `breaker ${last.breakerId} tripped on ${last.scope} at ${when} UTC`
      : `breaker ${last.breakerId} on ${last.scope} reset at ${when} UTC by ${last.actor}`;
  }

  async function send(
    incident: Incident,
    targets: readonly Destination[],
    event: NotificationEvent,
    extra: { text?: string; occurrence?: string | number } = {},
  ): Promise<void> {
    const message = describeIncident(incident, {
      breaker: breakerLine(incident),
      ...(extra.text === undefined ? {} : { text: extra.text }),
    });
    for (const target of targets) {
      const id = notificationKey({
        incidentId: incident.id,
        channel: target.channel,
        target: target.target,
        event,
        occurrence: extra.occurrence,
      });
      const result = await deps.outbox.enqueue({
        id,
        incidentId: incident.id,
        channel: target.channel,
        target: target.target,
        event,
        message,
      });
      if (!result.enqueued) logger?.info({ notification: id, reason: result.reason }, 'notification not enqueued again');
    }
  }

  /** Everyone who got the trigger hears about a person's action on the incident. */
  async function announce(
    incident: Incident,
    event: NotificationEvent,
    extra: { text?: string; occurrence?: string | number } = {},
  ): Promise<void> {
    const conversation = conversations.get(incident.id);
    if (conversation === undefined || conversation.triggered.size === 0) return;
    const targets = [...conversation.triggered.values()];
    // PagerDuty has nothing to do with notes: they are Slack thread replies and webhook events.
    await send(incident, event === 'follow_up' ? targets.filter((target) => target.channel !== 'pagerduty') : targets, event, extra);
    if (event === 'resolve') conversations.delete(incident.id);
  }

  async function transition(
    id: string,
    apply: (incident: Incident) => IncidentTransition,
    event?: NotificationEvent,
    extra?: (incident: Incident) => { text?: string; occurrence?: string | number },
  ): Promise<DeskResult> {
    return serial(async () => {
      const tracked = await load(id);
      if (tracked === undefined) return { ok: false, status: 404, error: { code: 'not_found', message: `no incident ${id}` } };
      const outcome = apply(tracked.incident);
      if (!outcome.ok) return { ok: false, status: 409, error: outcome.error };
      let incident = outcome.incident;
      if (incident.state === 'resolved') incident = await withMoney(incident);
      await save(tracked, incident);
      if (event) await announce(incident, event, extra?.(incident));
      if (incident.state === 'resolved' && !conversations.has(incident.id)) forget(incident.id);
      return { ok: true, incident };
    });
  }

  async function withMoney(incident: Incident): Promise<Incident> {
    const scopes = incident.anomalies.map((anomaly) => anomaly.scope);
    const money = await scopeMoney(store, { fromMs: incident.openedAt, toMs: incident.resolvedAt ?? clock(), scopes });
    if (money.spendUsd === incident.spendUsd && money.preventedUsd === incident.preventedUsd) return incident;
    const set = setMoney(incident, { ...money, nowMs: incident.updatedAt });
    return set.ok ? set.incident : incident;
  }

  /**
   * A new incident inside a planned event's scope and window says so on its timeline, and goes to the
   * event's temporary owner when it names one; after the window, routing is the rules' again.
   */
  function withPlans(incident: Incident, alert: AlertInput, config: AlertingConfig, now: number): Incident {
    let next = incident;
    for (const plan of deps.planned?.() ?? []) {
      if (!(plan.startsAt <= now && now < plan.endsAt) || !scopeCovers(plan.scope, alert.scope as ScopeAttributes)) continue;
      const until = new Date(plan.endsAt).toISOString().slice(0, 16).replace('T', ' ');
      const what = `planned ${plan.kind} ${plan.id} until ${until} UTC: ${plan.note}`;
      const moved =
        plan.owner !== undefined && plan.owner !== next.owner
          ? reassign(next, { by: SYSTEM_ACTOR, to: plan.owner, reason: what, owners: [...config.owners.keys()], nowMs: now })
          : undefined;
      if (moved?.ok) next = moved.incident;
      else {
        const noted = addNote(next, SYSTEM_ACTOR, `During ${what}`, now);
        if (noted.ok) next = noted.incident;
      }
    }
    return next;
  }

  async function notifyDue(tracked: Tracked, config: AlertingConfig, now: number): Promise<void> {
    const { incident } = tracked;
    const routing = incidentRouting(config, incident);
    const conversation = conversations.get(incident.id) ?? { firstAlertAt: incident.openedAt, triggered: new Map<string, Destination>() };
    conversations.set(incident.id, conversation);
    if (incident.state === 'resolved') {
      // Resolved before anyone was told (inside group_wait): nothing to take back.
      if (conversation.triggered.size === 0) conversations.delete(incident.id);
      else await announce(incident, 'resolve');
      forget(incident.id);
      return;
    }
    const fingerprint = groupFingerprint(incident.anomalies);
    const plan = planNotification({ group: conversation, fingerprint, allResolved: false, timings: routing.timings, nowMs: now });
    if (plan.action === 'notify' && conversation.lastNotifiedAt !== undefined) {
      await announce(incident, 'follow_up', { text: 'Updated: the incident changed since the last message.', occurrence: `change-${now}` });
    } else if (plan.action === 'repeat') {
      await announce(incident, 'follow_up', { text: 'Still open and unchanged since the last message.', occurrence: `reminder-${now}` });
    }
    // New destinations (a reassignment, a copy once the cost crossed its threshold, a page once the
    // severity reached it) get the trigger as soon as the group has been notified at all.
    const untold = routing.targets.filter((target) => !conversation.triggered.has(destination(target)));
    if (untold.length > 0 && (plan.action === 'notify' || conversation.lastNotifiedAt !== undefined)) {
      await send(incident, untold, 'trigger');
      for (const target of untold) conversation.triggered.set(destination(target), target);
    }
    if (plan.action === 'notify' || plan.action === 'repeat') {
      conversation.lastNotifiedAt = now;
      conversation.notifiedFingerprint = fingerprint;
    }
  }

  async function escalateDue(tracked: Tracked, config: AlertingConfig, now: number): Promise<Tracked> {
    const { incident } = tracked;
    const conversation = conversations.get(incident.id);
    if (conversation?.lastNotifiedAt === undefined) return tracked;
    const owner = config.owners.get(incident.owner);
    const plan = planEscalation({
      contacts: owner?.escalation ?? [],
      state: incident.state,
      openedAt: incident.openedAt,
      escalatedLevels: incident.escalatedLevels,
      nowMs: now,
    });
    if (plan.action !== 'escalate') return tracked;
    const escalated = recordEscalation(incident, { contact: plan.contact.name, level: plan.level, nowMs: now });
    const next = await save(tracked, escalated);
    const targets = destinationsOf(plan.contact, true);
    await send(escalated, targets, 'escalate', { text: `Escalated to ${plan.contact.name}: ${plan.reason}.`, occurrence: plan.level });
    // Whoever was paged hears the acknowledge and the resolve too (a contact's own PagerDuty service closes its incident).
    for (const target of targets) conversation.triggered.set(destination(target), target);
    logger?.info({ incident: incident.id, contact: plan.contact.name, level: plan.level }, 'incident escalated');
    return next;
  }

  async function refreshMoney(tracked: Tracked, now: number): Promise<Tracked> {
    const last = moneyReadAt.get(tracked.incident.id) ?? 0;
    if (now - last < MONEY_REFRESH_MS) return tracked;
    moneyReadAt.set(tracked.incident.id, now);
    const incident = await withMoney(tracked.incident);
    return incident === tracked.incident ? tracked : save(tracked, incident);
  }

  return {
    async start() {
      const records = await listIncidents(store, { unresolved: true, limit: 10_000 });
      for (const record of records) {
        const timeline = await incidentTimeline(store, record.id);
        const incident = fromIncidentRecord(record, timeline);
        open.set(record.id, { incident, version: record.version, storedSeq: timeline.length });
        for (const anomaly of incident.anomalies) if (anomaly.state === 'open') active.set(anomaly.id, anomaly);
        // What was already enqueued is known from the outbox: nobody is told twice after a restart.
        const sent = await notificationsOfIncident(store, record.id);
        const triggers = sent.filter((row) => row.event === 'trigger');
        if (triggers.length > 0) {
          conversations.set(record.id, {
            firstAlertAt: incident.openedAt,
            lastNotifiedAt: Math.max(...sent.map((row) => row.created_at)),
            notifiedFingerprint: groupFingerprint(incident.anomalies),
            triggered: new Map(
              triggers.map((row) => {
                const target = { channel: row.channel as NotificationChannel, target: row.target };
                return [destination(target), target];
              }),
            ),
          });
        }
      }
    },

    observe(alerts) {
      return serial(async () => {
        const config = deps.rules();
        const now = clock();
        // The whole batch counts as active first, so an outage and the drop it causes that arrive
        // in the same cycle inhibit as they would have one cycle apart.
        for (const alert of alerts) {
          if (alert.state === 'open') active.set(alert.id, alert);
          else active.delete(alert.id);
        }
        const outcomes: ObserveOutcome[] = [];
        for (const alert of alerts) {
          if (config === undefined) {
            outcomes.push({ alertId: alert.id, action: 'ignored', reason: 'no valid alert rules are loaded' });
            continue;
          }
          const openList = [...open.values()].map((tracked) => tracked.incident);
          const holder = openList.find(
            (incident) => incident.state !== 'resolved' && incident.anomalies.some((anomaly) => anomaly.id === alert.id),
          );
          if (holder === undefined && dismissed.has(alert.id)) {
            if (alert.state === 'resolved') dismissed.delete(alert.id);
            outcomes.push({ alertId: alert.id, action: 'ignored', reason: 'its incident was resolved by hand while it still fired' });
            continue;
          }
          if (holder === undefined && alert.state === 'open') {
            const muting = silencedBy(deps.silences(), alert, now);
            if (muting.length > 0) {
              outcomes.push({
                alertId: alert.id,
                action: 'silenced',
                reason: `silenced by ${muting.map((s) => `${s.id} (${s.author}: ${s.reason})`).join(', ')}`,
              });
              continue;
            }
            const inhibition = inhibited(config, alert, [...active.values()]);
            if (inhibition.inhibited) {
              outcomes.push({ alertId: alert.id, action: 'inhibited', reason: inhibition.reason });
              continue;
            }
          }
          const grouped = groupIntoIncident({ config, openIncidents: holder ? [holder] : openList, alert, nowMs: now });
          if (grouped.action === 'ignored') {
            outcomes.push({ alertId: alert.id, action: 'ignored', reason: grouped.reason });
            continue;
          }
          const tracked = open.get(grouped.incident.id) ?? { incident: grouped.incident, version: 0, storedSeq: 0 };
          await save(tracked, grouped.action === 'opened' ? withPlans(grouped.incident, alert, config, now) : grouped.incident);
          outcomes.push({ alertId: alert.id, action: grouped.action, incidentId: grouped.incident.id, reason: grouped.reason });
        }
        return outcomes;
      });
    },

    tick() {
      return serial(async () => {
        const config = deps.rules();
        if (config === undefined) return;
        const now = clock();
        for (const id of [...open.keys()]) {
          let tracked = open.get(id)!;
          if (tracked.incident.state !== 'resolved') {
            tracked = await refreshMoney(tracked, now);
            tracked = await escalateDue(tracked, config, now);
          }
          await notifyDue(tracked, config, now);
        }
      });
    },

    acknowledge(id, by) {
      return transition(id, (incident) => acknowledge(incident, by, clock()), 'acknowledge');
    },

    async resolve(id, by, reason) {
      const result = await transition(id, (incident) => resolve(incident, by, clock(), reason), 'resolve');
      if (result.ok) for (const anomaly of result.incident.anomalies) if (anomaly.state === 'open') dismissed.add(anomaly.id);
      return result;
    },

    note(id, by, text) {
      return transition(
        id,
        (incident) => addNote(incident, by, text, clock()),
        'follow_up',
        (incident) => ({ text: `Note from ${by}: ${text}`, occurrence: `note-${incident.timeline.length}` }),
      );
    },

    reassign(id, input) {
      const owners = [...(deps.rules()?.owners.keys() ?? [])];
      return transition(
        id,
        (incident) => reassign(incident, { ...input, owners, nowMs: clock() }),
        'follow_up',
        (incident) => ({
          text: `Reassigned to ${incident.owner} by ${input.by}: ${input.reason}`,
          occurrence: `reassign-${incident.timeline.length}`,
        }),
      );
    },

    breakerChanged(input) {
      return serial(async () => {
        const tracked = [...open.values()].find((candidate) =>
          candidate.incident.anomalies.some((anomaly) => anomaly.id === input.anomalyId),
        );
        if (tracked === undefined) return;
        await save(tracked, recordBreaker(tracked.incident, { ...input, nowMs: clock() }));
      });
    },

    notified(notification) {
      return serial(async () => {
        const tracked = await load(notification.incidentId);
        if (tracked === undefined) return;
        await save(
          tracked,
          recordNotified(tracked.incident, {
            channel: notification.channel,
            target: notification.target,
            event: notification.event,
            nowMs: clock(),
          }),
        );
        if (tracked.incident.state === 'resolved' && !conversations.has(notification.incidentId)) forget(notification.incidentId);
      });
    },

    notifyFailed(notification, outcome) {
      return serial(async () => {
        const tracked = await load(notification.incidentId);
        if (tracked === undefined) return;
        await save(
          tracked,
          recordNotifyFailed(tracked.incident, {
            channel: notification.channel,
            target: notification.target,
            event: notification.event,
            ...outcome,
            nowMs: clock(),
          }),
        );
        if (tracked.incident.state === 'resolved' && !conversations.has(notification.incidentId)) forget(notification.incidentId);
      });
    },

    async get(id) {
      return (await load(id))?.incident;
    },

    open() {
      return [...open.values()].map((tracked) => tracked.incident);
    },
  };
}
