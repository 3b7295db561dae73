import type { Store } from '../store.ts';

export interface WebhookSubscriptionRecord {
  id: string;
  version: number;
  url: string;
  events: string[];
  created_at: number;
  deleted: 0 | 1;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveryRecord {
  id: string;
  version: number;
  subscription_id: string;
  event_id: string;
  event_type: string;
  body: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  last_status: number;
  last_error: string;
  created_at: number;
  updated_at: number;
}

export async function saveWebhookSubscription(store: Store, record: WebhookSubscriptionRecord): Promise<void> {
  await store.client.insert({ table: 'webhook_subscriptions', values: [record], format: 'JSONEachRow' });
}

/** Live subscriptions at their latest version. */
export async function listWebhookSubscriptions(store: Store): Promise<WebhookSubscriptionRecord[]> {
  const rs = await store.client.query({
    query: `SELECT id, version, url, events, toUnixTimestamp64Milli(created_at) AS created_at, deleted
            FROM webhook_subscriptions FINAL WHERE deleted = 0 ORDER BY created_at`,
    format: 'JSONEachRow',
  });
  return rs.json<WebhookSubscriptionRecord>();
}

/** Writes a delivery's new state (a new version of its row). */
export async function saveWebhookDeliveries(store: Store, records: WebhookDeliveryRecord[]): Promise<void> {
  if (records.length === 0) return;
  await store.client.insert({ table: 'webhook_deliveries', values: records, format: 'JSONEachRow' });
}

const DELIVERY_COLUMNS = `id, version, subscription_id, event_id, event_type, body, state, attempts,
  toUnixTimestamp64Milli(next_attempt_at) AS next_attempt_at, last_status, last_error,
  toUnixTimestamp64Milli(created_at) AS created_at, toUnixTimestamp64Milli(updated_at) AS updated_at`;

/** Deliveries still to attempt: what the dispatcher reloads after a restart. */
export async function pendingWebhookDeliveries(store: Store): Promise<WebhookDeliveryRecord[]> {
  const rs = await store.client.query({
    query: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries FINAL WHERE state = 'pending' ORDER BY next_attempt_at`,
    format: 'JSONEachRow',
  });
  return rs.json<WebhookDeliveryRecord>();
}

/** The delivery log of one subscription, newest first. */
export async function webhookDeliveriesOf(store: Store, subscriptionId: string, limit: number): Promise<WebhookDeliveryRecord[]> {
  const rs = await store.client.query({
    query: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries FINAL
            WHERE subscription_id = {id:String} ORDER BY created_at DESC LIMIT {limit:UInt32}`,
    query_params: { id: subscriptionId, limit },
    format: 'JSONEachRow',
  });
  return rs.json<WebhookDeliveryRecord>();
}
