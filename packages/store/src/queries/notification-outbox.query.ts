import type { Store } from '../store.ts';

export type NotificationState = 'pending' | 'sent' | 'failed';

/** One notification at one version; `id` is its idempotency key. */
export interface NotificationRecord {
  id: string;
  version: number;
  incident_id: string;
  channel: string;
  target: string;
  event: string;
  /** The message as JSON, rendered when it was enqueued. */
  body: string;
  state: NotificationState;
  attempts: number;
  next_attempt_at: number;
  last_error: string;
  /** What the destination returned (Slack: "channel:ts"), '' if nothing. */
  ref: string;
  created_at: number;
  updated_at: number;
}

const COLUMNS = `id, version, incident_id, channel, target, event, body, state, attempts,
  toUnixTimestamp64Milli(next_attempt_at) AS next_attempt_at, last_error, ref,
  toUnixTimestamp64Milli(created_at) AS created_at, toUnixTimestamp64Milli(updated_at) AS updated_at`;

/** Writes notifications' new versions. Query name: notification_outbox.save. */
export async function saveNotifications(store: Store, records: NotificationRecord[]): Promise<void> {
  if (records.length === 0) return;
  await store.client.insert({ table: 'notification_outbox', values: records, format: 'JSONEachRow' });
}

/** A notification by idempotency key, at its latest version. Query name: notification_outbox.by_id. */
export async function notificationById(store: Store, id: string): Promise<NotificationRecord | undefined> {
  const rs = await store.client.query({
    query: `SELECT ${COLUMNS} FROM notification_outbox FINAL WHERE id = {id:String}`,
    query_params: { id },
    format: 'JSONEachRow',
  });
  return (await rs.json<NotificationRecord>())[0];
}

/** Notifications still to send, oldest first: what the outbox reloads after a restart. Query name: notification_outbox.pending. */
export async function pendingNotifications(store: Store): Promise<NotificationRecord[]> {
  const rs = await store.client.query({
    query: `SELECT ${COLUMNS} FROM notification_outbox FINAL WHERE state = 'pending' ORDER BY created_at, id`,
    format: 'JSONEachRow',
  });
  return rs.json<NotificationRecord>();
}

/** One incident's notifications, oldest first (the incident page's "notified where"). Query name: notification_outbox.of_incident. */
export async function notificationsOfIncident(store: Store, incidentId: string): Promise<NotificationRecord[]> {
  const rs = await store.client.query({
    query: `SELECT ${COLUMNS} FROM notification_outbox FINAL WHERE incident_id = {id:String} ORDER BY created_at, id`,
    query_params: { id: incidentId },
    format: 'JSONEachRow',
  });
  return rs.json<NotificationRecord>();
}

/**
 * The ref the first sent notification to this incident, channel and target got back (Slack's
 * message to update or thread under), or undefined. Query name: notification_outbox.ref.
 */
export async function notificationRef(store: Store, incidentId: string, channel: string, target: string): Promise<string | undefined> {
  const rs = await store.client.query({
    query: `SELECT ref FROM notification_outbox FINAL
            WHERE incident_id = {incident:String} AND channel = {channel:String} AND target = {target:String} AND state = 'sent' AND ref != ''
            ORDER BY created_at LIMIT 1`,
    query_params: { incident: incidentId, channel, target },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ ref: string }>())[0]?.ref;
}
