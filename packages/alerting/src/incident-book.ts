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
import type { AlertInput } from './alert-input.ts';
import { setMoney, type Incident, type NotificationChannel } from './incident.ts';
import { fromIncidentRecord, toIncidentRecord, toTimelineRecords } from './incident-record.ts';
import { groupFingerprint, type GroupState } from './notification-plan.ts';
import type { Destination } from './notification-targets.ts';

// Money is re-read from the rollups at most this often per open incident.
const MONEY_REFRESH_MS = 60_000;
// Far more incidents than are ever open at once: a restart reloads them all.
const MAX_RELOADED_INCIDENTS = 10_000;

/** An incident as the desk holds it. */
export interface Tracked {
  incident: Incident;
  version: number;
  /** Timeline entries already in the store. */
  storedSeq: number;
}

/** Notification state of one incident: its group's timing, and who has heard about it. */
export interface Conversation extends GroupState {
  /** Every destination that got the trigger, by `channel target`: later events go only to them. */
  triggered: Map<string, Destination>;
}

/** How a conversation keys a destination it told. */
export const destinationKey = (target: Destination) => `${target.channel} ${target.target}`;

/** The incident desk's memory: incidents open (and resolved ones still being told), stored as they change. */
export interface IncidentBook {
  readonly open: Map<string, Tracked>;
  readonly conversations: Map<string, Conversation>;
  /** Anomalies open in incidents, for inhibition: an outage inhibits the drop it causes. */
  readonly active: Map<string, AlertInput>;
  /** Reloads the incidents still open, and who was told of each, as the outbox knows it. */
  restore(): Promise<void>;
  /** An incident from memory, else from the store. */
  load(id: string): Promise<Tracked | undefined>;
  /** Stores a new state of an incident (timeline first) and keeps it in memory while it is open. */
  save(tracked: Tracked, incident: Incident): Promise<Tracked>;
  /** An incident leaves memory once resolved and told: its money is final. */
  release(incident: Incident): void;
  /** The incident with its spend and prevented money read from the rollups over its window. */
  withMoney(incident: Incident): Promise<Incident>;
  /** `withMoney`, saved, at most once a minute per incident. */
  refreshMoney(tracked: Tracked, now: number): Promise<Tracked>;
}

/** The desk's memory, owned by one desk: it alone writes the incidents it holds, so memory and store agree. */
export function createIncidentBook(deps: { store: Store; clock: () => number }): IncidentBook {
  const { store, clock } = deps;
  const open = new Map<string, Tracked>();
  const conversations = new Map<string, Conversation>();
  const active = new Map<string, AlertInput>();
  const moneyReadAt = new Map<string, number>();

  function forget(id: string): void {
    open.delete(id);
    moneyReadAt.delete(id);
  }

  async function withMoney(incident: Incident): Promise<Incident> {
    const scopes = incident.anomalies.map((anomaly) => anomaly.scope);
    const money = await scopeMoney(store, { fromMs: incident.openedAt, toMs: incident.resolvedAt ?? clock(), scopes });
    if (money.spendUsd === incident.spendUsd && money.preventedUsd === incident.preventedUsd) return incident;
    const set = setMoney(incident, { ...money, nowMs: incident.updatedAt });
    return set.ok ? set.incident : incident;
  }

  async function save(tracked: Tracked, incident: Incident): Promise<Tracked> {
    await appendIncidentTimeline(store, toTimelineRecords(incident, tracked.storedSeq));
    const next: Tracked = { incident, version: tracked.version + 1, storedSeq: incident.timeline.length };
    await saveIncidents(store, [toIncidentRecord(incident, next.version)]);
    if (incident.state === 'resolved' && !conversations.has(incident.id)) forget(incident.id);
    else open.set(incident.id, next);
    return next;
  }

  /** What was already enqueued is known from the outbox: nobody is told twice after a restart. */
  async function restoreConversation(incident: Incident): Promise<void> {
    const sent = await notificationsOfIncident(store, incident.id);
    const triggers = sent.filter((row) => row.event === 'trigger');
    if (triggers.length === 0) return;
    conversations.set(incident.id, {
      firstAlertAt: incident.openedAt,
      lastNotifiedAt: Math.max(...sent.map((row) => row.created_at)),
      notifiedFingerprint: groupFingerprint(incident.anomalies),
      triggered: new Map(
        triggers.map((row) => {
          const target = { channel: row.channel as NotificationChannel, target: row.target };
          return [destinationKey(target), target];
        }),
      ),
    });
  }

  return {
    open,
    conversations,
    active,

    async restore() {
      const records = await listIncidents(store, { unresolved: true, limit: MAX_RELOADED_INCIDENTS });
      for (const record of records) {
        const timeline = await incidentTimeline(store, record.id);
        const incident = fromIncidentRecord(record, timeline);
        open.set(record.id, { incident, version: record.version, storedSeq: timeline.length });
        for (const anomaly of incident.anomalies) if (anomaly.state === 'open') active.set(anomaly.id, anomaly);
        await restoreConversation(incident);
      }
    },

    async load(id) {
      const known = open.get(id);
      if (known) return known;
      const record = await incidentById(store, id);
      if (record === undefined) return undefined;
      const timeline = await incidentTimeline(store, id);
      return { incident: fromIncidentRecord(record, timeline), version: record.version, storedSeq: timeline.length };
    },

    save,

    release(incident) {
      if (incident.state === 'resolved' && !conversations.has(incident.id)) forget(incident.id);
    },

    withMoney,

    async refreshMoney(tracked, now) {
      const last = moneyReadAt.get(tracked.incident.id) ?? 0;
      if (now - last < MONEY_REFRESH_MS) return tracked;
      moneyReadAt.set(tracked.incident.id, now);
      const incident = await withMoney(tracked.incident);
      return incident === tracked.incident ? tracked : save(tracked, incident);
    },
  };
}
