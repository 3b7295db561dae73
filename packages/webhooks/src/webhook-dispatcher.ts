import { randomUUID } from 'node:crypto';
import { signWebhook } from '@tollgate/client';
import { EgressRefusedError, type EgressGuard } from '@tollgate/egress';
import {
  listWebhookSubscriptions,
  pendingWebhookDeliveries,
  saveWebhookDeliveries,
  saveWebhookSubscription,
  webhookDeliveriesOf,
  type Store,
  type WebhookDeliveryRecord,
  type WebhookSubscriptionRecord,
} from '@tollgate/store';
import { planRetry } from './retry-schedule.ts';
import { subscriptionSecret } from './webhook-secret.ts';

export interface WebhookEvent<T = unknown> {
  id: string;
  type: string;
  created_at: number;
  data: T;
}

export interface Subscription {
  id: string;
  url: string;
  /** Event types delivered; empty means all. */
  events: string[];
  created_at: number;
}

export type DeliveryOutcome = { ok: true; status: number } | { ok: false; status: number; error: string };

export interface WebhookDispatcher {
  /** Rejects with `EgressRefusedError` when the URL's target may not be reached (see @tollgate/egress). */
  subscribe(url: string, events: string[]): Promise<{ subscription: Subscription; secret: string }>;
  unsubscribe(id: string): Promise<boolean>;
  subscriptions(): Subscription[];
  /** Records one delivery per matching subscription (durably), then attempts them in the background. */
  publish<T>(type: string, data: T): Promise<WebhookEvent<T>>;
  /** Attempts every delivery that is due now; resolves when they have been tried and recorded. */
  runDue(): Promise<number>;
  deliveries(subscriptionId: string, limit?: number): Promise<WebhookDeliveryRecord[]>;
  /** Reloads subscriptions and undelivered deliveries from the store and starts the retry timer. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

// A receiver gets 5 s to answer; slower is a failure to retry, not a stuck dispatcher.
const DELIVERY_TIMEOUT_MS = 5_000;
// How often due retries are looked for; retries are seconds to an hour apart.
const TICK_MS = 1_000;
const DEFAULT_LOG_LIMIT = 100;

/**
 * Signed webhooks with an outbox: every delivery is written to the store before it is attempted
 * and after each attempt, so a restart resumes what was pending; failures are retried with
 * exponential backoff and jitter for up to 24 h. Signing uses the one implementation in
 * @tollgate/client, which receivers use to verify. Targets pass the egress guard when subscribed
 * and again at every attempt (a name may resolve elsewhere since): an internal address is refused.
 */
export function createWebhookDispatcher(deps: {
  store: Store;
  serverKey: Buffer;
  clock?: () => number;
  random?: () => number;
  /** What deliveries may reach: every attempt goes through its `fetch`. */
  egress: EgressGuard;
  onError?: (error: unknown) => void;
}): WebhookDispatcher {
  const clock = deps.clock ?? Date.now;
  const random = deps.random ?? Math.random;
  const send = deps.egress.fetch;
  const subs = new Map<string, Subscription>();
  const pending = new Map<string, WebhookDeliveryRecord>();
  const inFlight = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function attempt(delivery: WebhookDeliveryRecord): Promise<WebhookDeliveryRecord> {
    const subscription = subs.get(delivery.subscription_id);
    const now = clock();
    if (!subscription)
      return { ...delivery, version: delivery.version + 1, state: 'failed', last_error: 'subscription deleted', updated_at: now };
    const outcome = await post(send, deps.serverKey, subscription, delivery.body, now);
    const attempts = delivery.attempts + 1;
    if (outcome.ok) {
      return {
        ...delivery,
        version: delivery.version + 1,
        state: 'delivered',
        attempts,
        last_status: outcome.status,
        last_error: '',
        updated_at: clock(),
      };
    }
    const plan = planRetry(attempts, delivery.created_at, clock(), random);
    return {
      ...delivery,
      version: delivery.version + 1,
      state: plan.retry ? 'pending' : 'failed',
      attempts,
      next_attempt_at: plan.retry ? plan.atMs : delivery.next_attempt_at,
      last_status: outcome.status,
      last_error: plan.retry ? outcome.error : `${outcome.error}; ${plan.reason}`,
      updated_at: clock(),
    };
  }

  async function runDueOnce(): Promise<number> {
    const now = clock();
    const due = [...pending.values()].filter((d) => d.next_attempt_at <= now && !inFlight.has(d.id));
    for (const d of due) inFlight.add(d.id);
    try {
      const results = await Promise.all(due.map(attempt));
      await saveWebhookDeliveries(deps.store, results);
      for (const result of results) {
        if (result.state === 'pending') pending.set(result.id, result);
        else pending.delete(result.id);
      }
      return due.length;
    } finally {
      for (const d of due) inFlight.delete(d.id);
    }
  }

  function runDue(): Promise<number> {
    running = (running ?? Promise.resolve(0)).then(runDueOnce, runDueOnce);
    return running;
  }

  return {
    async subscribe(url, events) {
      const decision = await deps.egress.check(url);
      if (!decision.allowed) throw new EgressRefusedError(decision);
      const parsed = decision.url;
      const record: WebhookSubscriptionRecord = { id: randomUUID(), version: 1, url: parsed.href, events, created_at: clock(), deleted: 0 };
      await saveWebhookSubscription(deps.store, record);
      const subscription = toSubscription(record);
      subs.set(subscription.id, subscription);
      return { subscription, secret: subscriptionSecret(deps.serverKey, subscription.id) };
    },

    async unsubscribe(id) {
      const subscription = subs.get(id);
      if (!subscription) return false;
      await saveWebhookSubscription(deps.store, { ...subscription, version: clock(), deleted: 1 });
      subs.delete(id);
      return true;
    },

    subscriptions: () => [...subs.values()],

    async publish(type, data) {
      const event = { id: randomUUID(), type, created_at: clock(), data };
      const body = JSON.stringify(event);
      const now = clock();
      const records = pendingDeliveries([...subs.values()], event, body, now);
      await saveWebhookDeliveries(deps.store, records);
      for (const record of records) pending.set(record.id, record);
      if (records.length > 0) runDue().catch(deps.onError);
      return event;
    },

    runDue,

    deliveries: (subscriptionId, limit = DEFAULT_LOG_LIMIT) => webhookDeliveriesOf(deps.store, subscriptionId, limit),

    async start() {
      for (const record of await listWebhookSubscriptions(deps.store)) subs.set(record.id, toSubscription(record));
      for (const record of await pendingWebhookDeliveries(deps.store)) pending.set(record.id, record);
      timer = setInterval(() => runDue().catch(deps.onError), TICK_MS);
      timer.unref();
      if (pending.size > 0) runDue().catch(deps.onError);
    },

    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

function toSubscription(record: WebhookSubscriptionRecord): Subscription {
  return { id: record.id, url: record.url, events: record.events, created_at: record.created_at };
}

/** One signed POST of a delivery's body to its receiver, through the egress guard's fetch. */
async function post(
  send: EgressGuard['fetch'],
  serverKey: Buffer,
  subscription: Subscription,
  body: string,
  nowMs: number,
): Promise<DeliveryOutcome> {
  try {
    const response = await send(subscription.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tollgate-Webhooks/1',
        'tollgate-signature': signWebhook(subscriptionSecret(serverKey, subscription.id), body, Math.floor(nowMs / 1000)),
      },
      body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      redirect: 'manual',
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok
      ? { ok: true, status: response.status }
      : { ok: false, status: response.status, error: `receiver answered ${response.status}` };
  } catch (error) {
    if (error instanceof EgressRefusedError) return { ok: false, status: 0, error: `refused: ${error.message}` };
    return {
      ok: false,
      status: 0,
      error: (error as Error).name === 'TimeoutError' ? 'receiver did not answer in 5 s' : (error as Error).message,
    };
  }
}

/** One pending delivery of an event to each subscription that wants its type (none named: every type). */
function pendingDeliveries(
  subscriptions: Subscription[],
  event: WebhookEvent<unknown>,
  body: string,
  now: number,
): WebhookDeliveryRecord[] {
  return subscriptions
    .filter((s) => s.events.length === 0 || s.events.includes(event.type))
    .map((s) => ({
      id: randomUUID(),
      version: 1,
      subscription_id: s.id,
      event_id: event.id,
      event_type: event.type,
      body,
      state: 'pending',
      attempts: 0,
      next_attempt_at: now,
      last_status: 0,
      last_error: '',
      created_at: now,
      updated_at: now,
    }));
}
