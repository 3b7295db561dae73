import {
  notificationById,
  notificationRef,
  pendingNotifications,
  saveNotifications,
  type NotificationRecord,
  type Store,
} from '@tollgate/store';
import { planRetry } from '@tollgate/webhooks';
import type { NotificationChannel, NotificationEvent } from './incident.ts';
import type { IncidentMessage, Notification, Notifier, NotifyResult } from './notifier.ts';

/** The part of a pino logger the outbox uses. */
export interface OutboxLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** What a failure is recorded with: which incident, where to, and which event. */
export type FailedNotification = Pick<Notification, 'id' | 'incidentId' | 'channel' | 'target' | 'event'>;

export type EnqueueResult = { enqueued: true; id: string } | { enqueued: false; id: string; reason: string };

export interface NotificationOutbox {
  /**
   * Persists a notification, then (once due) sends it. The same id twice is refused, across
   * restarts too: that is what keeps a replayed trigger from paging anyone a second time.
   */
  enqueue(notification: Omit<Notification, 'ref'>, options?: { dueAt?: number }): Promise<EnqueueResult>;
  /** Attempts every notification due now; resolves when each was tried and its outcome stored. */
  runDue(): Promise<number>;
  /** Reloads pending notifications from the store and starts the timer that sends them when due. */
  start(): Promise<void>;
  /** Stops the timer and waits for the attempt in flight. */
  stop(): Promise<void>;
}

/**
 * The idempotency key of a notification: one trigger, acknowledge and resolve per incident and
 * destination. Follow-ups and escalations happen more than once and name their `occurrence`
 * (reminder number, escalation level).
 */
export function notificationKey(input: {
  incidentId: string;
  channel: NotificationChannel;
  target: string;
  event: NotificationEvent;
  occurrence?: string | number;
}): string {
  const base = `${input.incidentId}:${input.channel}:${input.target}:${input.event}`;
  return input.occurrence === undefined ? base : `${base}:${input.occurrence}`;
}

/** Why a channel without a notifier fails, naming the setting that fixes it. */
const NO_NOTIFIER_ERROR: Partial<Record<NotificationChannel, string>> = {
  slack: 'Slack is not configured: SLACK_BOT_TOKEN is not set',
  webhook: 'alert webhooks are not configured: TOLLGATE_ALERT_WEBHOOK_SECRET is not set',
};

// How often due notifications are looked for; retries are seconds to an hour apart.
const TICK_MS = 1_000;
/** Within one millisecond, an incident's life order: a trigger goes before the acknowledge that updates it. */
const EVENT_ORDER: readonly NotificationEvent[] = ['trigger', 'escalate', 'follow_up', 'acknowledge', 'resolve', 'digest'];

/** One incident's messages to one destination: they go out in order, one at a time. */
const conversationOf = (record: NotificationRecord) => `${record.incident_id}\n${record.channel}\n${record.target}`;

/** What is due now: only the oldest pending notification of each conversation (later ones wait for it), if its time has come. */
function dueInOrder(pending: Iterable<NotificationRecord>, now: number): NotificationRecord[] {
  const firstOfConversation = new Map<string, NotificationRecord>();
  const order = (record: NotificationRecord) => EVENT_ORDER.indexOf(record.event as NotificationEvent);
  const oldestFirst = [...pending].sort((a, b) => a.created_at - b.created_at || order(a) - order(b) || a.id.localeCompare(b.id));
  for (const record of oldestFirst) {
    if (!firstOfConversation.has(conversationOf(record))) firstOfConversation.set(conversationOf(record), record);
  }
  return [...firstOfConversation.values()].filter((record) => record.next_attempt_at <= now);
}

/** The stored row of a notification just enqueued: pending, never attempted, due at once unless told otherwise. */
function pendingRecord(notification: Omit<Notification, 'ref'>, now: number, dueAt: number | undefined): NotificationRecord {
  return {
    id: notification.id,
    version: 1,
    incident_id: notification.incidentId,
    channel: notification.channel,
    target: notification.target,
    event: notification.event,
    body: JSON.stringify(notification.message),
    state: 'pending',
    attempts: 0,
    next_attempt_at: dueAt ?? now,
    last_error: '',
    ref: '',
    created_at: now,
    updated_at: now,
  };
}

/**
 * The notification outbox: every notification is written to the store before it is sent and
 * after each attempt, so a restart resumes what was pending and loses nothing. Failures are
 * retried with the breaker webhooks' schedule (exponential backoff with full jitter, given up after
 * 24 h), and never sooner than a rate limit's Retry-After. Notifications for one incident and
 * destination go out in order, one at a time, so Slack's acknowledge always finds the message it
 * updates.
 */
export function createNotificationOutbox(deps: {
  store: Store;
  clock: () => number;
  notifiers: readonly Notifier[];
  logger?: OutboxLogger;
  random?: () => number;
  /** Called after each successful send: where the caller records "notified" on the incident. */
  onSent?: (notification: Notification, result: Extract<NotifyResult, { ok: true }>) => void;
  /**
   * Called when a notification is given up on, and on the first failure of one that is retried:
   * where the caller records on the incident that nobody was reached, and why.
   */
  onFailed?: (notification: FailedNotification, outcome: { error: string; retrying: boolean }) => void;
}): NotificationOutbox {
  const { store, clock, logger } = deps;
  const random = deps.random ?? Math.random;
  const notifiers = new Map(deps.notifiers.map((notifier) => [notifier.channel, notifier]));
  const pending = new Map<string, NotificationRecord>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  const failures = createFailureLog(clock);

  const failed = (record: NotificationRecord, error: string, retrying: boolean) =>
    deps.onFailed?.(
      {
        id: record.id,
        incidentId: record.incident_id,
        channel: record.channel as NotificationChannel,
        target: record.target,
        event: record.event as NotificationEvent,
      },
      { error, retrying },
    );

  async function attempt(record: NotificationRecord): Promise<NotificationRecord> {
    const notifier = notifiers.get(record.channel as NotificationChannel);
    const attempts = record.attempts + 1;
    if (notifier === undefined) {
      const error = NO_NOTIFIER_ERROR[record.channel as NotificationChannel] ?? `no ${record.channel} notifier is configured`;
      failures.warn(logger, record.channel, error, { notification: record.id, attempts, retry: false });
      failed(record, error, false);
      return { ...record, version: record.version + 1, state: 'failed', attempts, last_error: error, updated_at: clock() };
    }
    const ref = record.event === 'trigger' ? undefined : await notificationRef(store, record.incident_id, record.channel, record.target);
    const notification: Notification = {
      id: record.id,
      incidentId: record.incident_id,
      channel: record.channel as NotificationChannel,
      target: record.target,
      event: record.event as NotificationEvent,
      message: JSON.parse(record.body) as IncidentMessage,
      ...(ref === undefined ? {} : { ref }),
    };
    const result = await notifier.send(notification);
    const now = clock();
    if (result.ok) {
      deps.onSent?.(notification, result);
      logger?.info({ notification: record.id, channel: record.channel, attempts }, 'notification sent');
      return { ...record, version: record.version + 1, state: 'sent', attempts, last_error: '', ref: result.ref ?? '', updated_at: now };
    }
    const plan = result.retry ? planRetry(attempts, record.created_at, now, random) : { retry: false as const, reason: 'not retryable' };
    failures.warn(logger, record.channel, result.error, { notification: record.id, attempts, retry: plan.retry });
    if (!plan.retry || attempts === 1) failed(record, result.error, plan.retry);
    if (!plan.retry) {
      return {
        ...record,
        version: record.version + 1,
        state: 'failed',
        attempts,
        last_error: `${result.error}; ${plan.reason}`,
        updated_at: now,
      };
    }
    const nextAttemptAt = Math.max(plan.atMs, now + (result.retryAfterMs ?? 0));
    return { ...record, version: record.version + 1, attempts, next_attempt_at: nextAttemptAt, last_error: result.error, updated_at: now };
  }

  async function runDueOnce(): Promise<number> {
    const due = dueInOrder(pending.values(), clock());
    const results = await Promise.all(due.map(attempt));
    await saveNotifications(store, results);
    for (const result of results) {
      if (result.state === 'pending') pending.set(result.id, result);
      else pending.delete(result.id);
    }
    return due.length;
  }

  function runDue(): Promise<number> {
    running = (running ?? Promise.resolve(0)).then(runDueOnce, runDueOnce);
    return running;
  }

  return {
    async enqueue(notification, options = {}) {
      if (pending.has(notification.id) || (await notificationById(store, notification.id)) !== undefined) {
        return { enqueued: false, id: notification.id, reason: 'already enqueued: the same incident, destination and event' };
      }
      const record = pendingRecord(notification, clock(), options.dueAt);
      await saveNotifications(store, [record]);
      pending.set(record.id, record);
      return { enqueued: true, id: record.id };
    },

    runDue,

    async start() {
      for (const record of await pendingNotifications(store)) pending.set(record.id, record);
      timer = setInterval(() => runDue().catch((error: Error) => logger?.warn({ error: error.message }, 'outbox run failed')), TICK_MS);
      timer.unref();
    },

    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

// The same failure repeats for every notification while its cause lasts (a PagerDuty key that is
// not set, Slack down): the first is a warning, and repeats within this window are counted into
// the next warning instead of filling the log.
export const REPEATED_FAILURE_LOG_MS = 10 * 60_000;

function createFailureLog(clock: () => number) {
  const seen = new Map<string, { warnedAt: number; repeats: number }>();
  return {
    warn(logger: OutboxLogger | undefined, channel: string, error: string, fields: object): void {
      const key = `${channel}\n${error}`;
      const now = clock();
      const last = seen.get(key);
      if (last !== undefined && now - last.warnedAt < REPEATED_FAILURE_LOG_MS) {
        last.repeats += 1;
        return;
      }
      seen.set(key, { warnedAt: now, repeats: 0 });
      logger?.warn(
        { ...fields, channel, error, ...(last && last.repeats > 0 ? { repeatsSinceLastWarning: last.repeats } : {}) },
        'notification failed',
      );
    },
  };
}
