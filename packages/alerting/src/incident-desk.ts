import type { Store } from '@tollgate/store';
import { scopeCovers, type ScopeAttributes } from '@tollgate/vocabulary';
import type { AlertInput } from './alert-input.ts';
import {
  acknowledge,
  addNote,
  groupIntoIncident,
  reassign,
  recordBreaker,
  recordNotified,
  recordNotifyFailed,
  resolve,
  SYSTEM_ACTOR,
  type Incident,
  type IncidentErrorCode,
  type IncidentTransition,
  type NotificationEvent,
} from './incident.ts';
import { createIncidentBook, type IncidentBook } from './incident-book.ts';
import { createDueWork } from './incident-due-work.ts';
import { createIncidentMessenger, type IncidentMessenger, type MessageExtra } from './incident-messenger.ts';
import { inhibited } from './inhibition.ts';
import type { FailedNotification, NotificationOutbox, OutboxLogger } from './notification-outbox.ts';
import type { Notification } from './notifier.ts';
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

interface DeskDeps {
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
}

/**
 * A new incident inside a planned event's scope and window says so on its timeline, and goes to the
 * event's temporary owner when it names one; after the window, routing is the rules' again.
 */
function withPlans(incident: Incident, alert: AlertInput, config: AlertingConfig, plans: readonly PlannedScope[], now: number): Incident {
  let next = incident;
  for (const plan of plans) {
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

/**
 * Why an alert no incident holds yet stays out of the incidents: a person resolved its incident
 * while it fired, a silence mutes it, or an inhibition rule says it is noise. Undefined: route it.
 */
function screened(
  alert: AlertInput,
  context: { dismissed: Set<string>; silences: readonly Silence[]; config: AlertingConfig; active: readonly AlertInput[]; now: number },
): ObserveOutcome | undefined {
  if (context.dismissed.has(alert.id)) {
    if (alert.state === 'resolved') context.dismissed.delete(alert.id);
    return { alertId: alert.id, action: 'ignored', reason: 'its incident was resolved by hand while it still fired' };
  }
  if (alert.state !== 'open') return undefined;
  const muting = silencedBy(context.silences, alert, context.now);
  if (muting.length > 0) {
    const by = muting.map((s) => `${s.id} (${s.author}: ${s.reason})`).join(', ');
    return { alertId: alert.id, action: 'silenced', reason: `silenced by ${by}` };
  }
  const inhibition = inhibited(context.config, alert, context.active);
  return inhibition.inhibited ? { alertId: alert.id, action: 'inhibited', reason: inhibition.reason } : undefined;
}

/** Runs operations one at a time, so two hands on one incident never lose an update. */
function createSerial(): <T>(work: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return (work) => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
}

/** Anomalies in, incidents out: each alert routed into an incident, opened or updated, and stored. */
function createAlertIntake(deps: DeskDeps, book: IncidentBook, dismissed: Set<string>) {
  return async function observeAll(alerts: readonly AlertInput[]): Promise<ObserveOutcome[]> {
    const config = deps.rules();
    const now = deps.clock();
    // The whole batch counts as active first, so an outage and the drop it causes that arrive
    // in the same cycle inhibit as they would have one cycle apart.
    for (const alert of alerts) {
      if (alert.state === 'open') book.active.set(alert.id, alert);
      else book.active.delete(alert.id);
    }
    const outcomes: ObserveOutcome[] = [];
    for (const alert of alerts) {
      if (config === undefined) {
        outcomes.push({ alertId: alert.id, action: 'ignored', reason: 'no valid alert rules are loaded' });
        continue;
      }
      const openList = [...book.open.values()].map((tracked) => tracked.incident);
      const holder = openList.find(
        (incident) => incident.state !== 'resolved' && incident.anomalies.some((anomaly) => anomaly.id === alert.id),
      );
      const kept =
        holder === undefined
          ? screened(alert, { dismissed, silences: deps.silences(), config, active: [...book.active.values()], now })
          : undefined;
      if (kept !== undefined) {
        outcomes.push(kept);
        continue;
      }
      const grouped = groupIntoIncident({ config, openIncidents: holder ? [holder] : openList, alert, nowMs: now });
      if (grouped.action === 'ignored') {
        outcomes.push({ alertId: alert.id, action: 'ignored', reason: grouped.reason });
        continue;
      }
      const tracked = book.open.get(grouped.incident.id) ?? { incident: grouped.incident, version: 0, storedSeq: 0 };
      const planned = deps.planned?.() ?? [];
      await book.save(tracked, grouped.action === 'opened' ? withPlans(grouped.incident, alert, config, planned, now) : grouped.incident);
      outcomes.push({ alertId: alert.id, action: grouped.action, incidentId: grouped.incident.id, reason: grouped.reason });
    }
    return outcomes;
  };
}

/** A person's action on an incident: applied, stored with its money if it resolves, and announced. */
function createTransition(deps: { book: IncidentBook; messenger: IncidentMessenger; serial: ReturnType<typeof createSerial> }) {
  const { book, messenger } = deps;
  return function transition(
    id: string,
    apply: (incident: Incident) => IncidentTransition,
    event?: NotificationEvent,
    extra?: (incident: Incident) => MessageExtra,
  ): Promise<DeskResult> {
    return deps.serial(async () => {
      const tracked = await book.load(id);
      if (tracked === undefined) return { ok: false, status: 404, error: { code: 'not_found', message: `no incident ${id}` } };
      const outcome = apply(tracked.incident);
      if (!outcome.ok) return { ok: false, status: 409, error: outcome.error };
      let incident = outcome.incident;
      if (incident.state === 'resolved') incident = await book.withMoney(incident);
      await book.save(tracked, incident);
      if (event) await messenger.announce(incident, event, extra?.(incident));
      book.release(incident);
      return { ok: true, incident };
    });
  };
}

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
export function createIncidentDesk(deps: DeskDeps): IncidentDesk {
  const { clock } = deps;
  const book = createIncidentBook({ store: deps.store, clock });
  const messenger = createIncidentMessenger({ outbox: deps.outbox, conversations: book.conversations, logger: deps.logger });
  const due = createDueWork({ book, messenger, logger: deps.logger });
  // Anomalies of incidents a person resolved while they were still firing: a person said "not an
  // incident", so the next detection cycle must not open a new one (a silence mutes them for good).
  const dismissed = new Set<string>();
  const serial = createSerial();
  const observeAll = createAlertIntake(deps, book, dismissed);
  const transition = createTransition({ book, messenger, serial });

  /** The outbox's word on a notification, on the incident's timeline. */
  const recordDelivery = (incidentId: string, record: (incident: Incident) => Incident) =>
    serial(async () => {
      const tracked = await book.load(incidentId);
      if (tracked === undefined) return;
      await book.save(tracked, record(tracked.incident));
      book.release(tracked.incident);
    });

  return {
    start: () => book.restore(),

    observe: (alerts) => serial(() => observeAll(alerts)),

    tick() {
      return serial(async () => {
        const config = deps.rules();
        if (config === undefined) return;
        const now = clock();
        for (const id of [...book.open.keys()]) {
          let tracked = book.open.get(id)!;
          if (tracked.incident.state !== 'resolved') {
            tracked = await book.refreshMoney(tracked, now);
            tracked = await due.escalateDue(tracked, config, now);
          }
          await due.notifyDue(tracked, config, now);
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
        const tracked = [...book.open.values()].find((candidate) =>
          candidate.incident.anomalies.some((anomaly) => anomaly.id === input.anomalyId),
        );
        if (tracked === undefined) return;
        await book.save(tracked, recordBreaker(tracked.incident, { ...input, nowMs: clock() }));
      });
    },

    notified(notification) {
      return recordDelivery(notification.incidentId, (incident) =>
        recordNotified(incident, { channel: notification.channel, target: notification.target, event: notification.event, nowMs: clock() }),
      );
    },

    notifyFailed(notification, outcome) {
      return recordDelivery(notification.incidentId, (incident) =>
        recordNotifyFailed(incident, {
          channel: notification.channel,
          target: notification.target,
          event: notification.event,
          ...outcome,
          nowMs: clock(),
        }),
      );
    },

    async get(id) {
      return (await book.load(id))?.incident;
    },

    open() {
      return [...book.open.values()].map((tracked) => tracked.incident);
    },
  };
}
