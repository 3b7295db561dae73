import { rmSync } from 'node:fs';
import { createEgressGuard, parseEgressAllow } from '@tollgate/egress';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStore, notificationsOfIncident, type Store } from '@tollgate/store';
import { openTempStore } from '@tollgate/store/testing';
import {
  createNotificationOutbox,
  createPagerDutyNotifier,
  createSlackNotifier,
  createWebhookNotifier,
  describeIncident,
  notificationKey,
  openIncident,
  REPEATED_FAILURE_LOG_MS,
  type Notification,
  type RouteMatch,
} from '../src/index.ts';
import { T0, alert } from './fixtures/alerts.ts';
import { startFakeApi, testCaAgent, type FakeApi, type Responder } from '../src/testing/fake-apis.ts';

// The stand-in receivers listen on loopback, which the server reaches only because the operator allows it.
const LOOPBACK_EGRESS = createEgressGuard({ allow: parseEgressAllow('127.0.0.1') });

const DASHBOARD = 'https://tollgate.example.com';
let store: Store;
let dataDir: string;
beforeAll(async () => {
  ({ store, dataDir } = await openTempStore('alerting-outbox'));
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const apis: FakeApi[] = [];
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()));
});
async function fakeApi(respond: Responder, options?: { https?: boolean }): Promise<FakeApi> {
  const api = await startFakeApi(respond, options);
  apis.push(api);
  return api;
}

let incidentCount = 0;
/** A fresh incident per test: the outbox table is shared by the file. */
function notificationFor(
  channel: Notification['channel'],
  target: string,
  event: Notification['event'] = 'trigger',
): Omit<Notification, 'ref'> & { incidentId: string } {
  const incident = openIncident({
    id: `inc_outbox_${++incidentCount}`,
    match: { routePath: 'route', groupKey: `g${incidentCount}`, receiver: 'fraud' } as RouteMatch,
    alert: alert(),
    nowMs: T0,
  });
  return {
    id: notificationKey({ incidentId: incident.id, channel, target, event }),
    incidentId: incident.id,
    channel,
    target,
    event,
    message: describeIncident(incident),
  };
}

const slackOk: Responder = () => ({ status: 200, body: { ok: true, channel: 'C0FRAUD', ts: '1763632800.000100' } });

describe('notification outbox', () => {
  it('posts the Slack trigger first and then updates that same message on acknowledge', async () => {
    const slack = await fakeApi(slackOk);
    const clock = { now: T0 };
    const sent: string[] = [];
    const outbox = createNotificationOutbox({
      store,
      clock: () => clock.now,
      notifiers: [createSlackNotifier({ token: 'xoxb-test', dashboardUrl: DASHBOARD, slackApiUrl: `${slack.url}api/` })],
      onSent: (notification) => sent.push(notification.event),
    });
    const trigger = notificationFor('slack', '#fraud-oncall');
    const ack = { ...trigger, id: notificationKey({ ...trigger, event: 'acknowledge' }), event: 'acknowledge' as const };
    await outbox.enqueue(trigger);
    await outbox.enqueue(ack);
    expect(await outbox.runDue()).toBe(1);
    expect(await outbox.runDue()).toBe(1);
    expect(slack.received.map((r) => [r.path, r.body.ts])).toEqual([
      ['/api/chat.postMessage', undefined],
      ['/api/chat.update', '1763632800.000100'],
    ]);
    expect(sent).toEqual(['trigger', 'acknowledge']);
    const rows = await notificationsOfIncident(store, trigger.incidentId);
    expect(Object.fromEntries(rows.map((row) => [row.event, [row.state, row.attempts, row.ref]]))).toEqual({
      trigger: ['sent', 1, 'C0FRAUD:1763632800.000100'],
      acknowledge: ['sent', 1, 'C0FRAUD:1763632800.000100'],
    });
  });

  it("waits out Slack's Retry-After before trying again", async () => {
    const answers = [429, 200];
    const slack = await fakeApi(() =>
      answers.shift() === 429
        ? { status: 429, headers: { 'retry-after': '120' }, body: { ok: false, error: 'ratelimited' } }
        : slackOk({} as never),
    );
    const clock = { now: T0 };
    const outbox = createNotificationOutbox({
      store,
      clock: () => clock.now,
      random: () => 0,
      notifiers: [createSlackNotifier({ token: 'xoxb-test', dashboardUrl: DASHBOARD, slackApiUrl: `${slack.url}api/` })],
    });
    const trigger = notificationFor('slack', '#fraud-oncall');
    await outbox.enqueue(trigger);
    await outbox.runDue();
    const [afterLimit] = await notificationsOfIncident(store, trigger.incidentId);
    expect(afterLimit).toMatchObject({
      state: 'pending',
      attempts: 1,
      next_attempt_at: T0 + 120_000,
      last_error: 'Slack rate limit: retry after 120 s',
    });
    clock.now = T0 + 119_999;
    expect(await outbox.runDue()).toBe(0);
    clock.now = T0 + 120_000;
    expect(await outbox.runDue()).toBe(1);
    expect(slack.received).toHaveLength(2);
    expect((await notificationsOfIncident(store, trigger.incidentId))[0]).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('retries a failing receiver with growing delays and gives up on a permanent refusal', async () => {
    const statuses = [500, 503, 500, 200];
    const hook = await fakeApi(() => ({ status: statuses.shift() ?? 200 }));
    const clock = { now: T0 };
    const outbox = createNotificationOutbox({
      store,
      clock: () => clock.now,
      random: () => 0.99,
      notifiers: [
        createWebhookNotifier({ secret: 'whsec_test', dashboardUrl: DASHBOARD, egress: LOOPBACK_EGRESS, clock: () => clock.now }),
      ],
    });
    const notification = notificationFor('webhook', hook.url);
    await outbox.enqueue(notification);
    const gaps: number[] = [];
    for (let i = 0; i < 4; i++) {
      await outbox.runDue();
      const [row] = await notificationsOfIncident(store, notification.incidentId);
      if (row!.state !== 'pending') break;
      gaps.push(row!.next_attempt_at - clock.now);
      clock.now = row!.next_attempt_at;
    }
    expect(hook.received).toHaveLength(4);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]!).toBeGreaterThan(gaps[1]!);
    expect((await notificationsOfIncident(store, notification.incidentId))[0]).toMatchObject({ state: 'sent', attempts: 4 });

    const gone = await fakeApi(() => ({ status: 410 }));
    const refused = notificationFor('webhook', gone.url);
    await outbox.enqueue(refused);
    await outbox.runDue();
    expect((await notificationsOfIncident(store, refused.incidentId))[0]).toMatchObject({
      state: 'failed',
      attempts: 1,
      last_error: 'receiver answered 410; not retryable',
    });
  });

  it('warns once about a failure that repeats, and counts the repeats into the next warning ten minutes on', async () => {
    const warnings: Record<string, unknown>[] = [];
    const clock = { now: T0 };
    const outbox = createNotificationOutbox({
      store,
      clock: () => clock.now,
      notifiers: [createPagerDutyNotifier({ routingKeyFor: () => undefined, dashboardUrl: DASHBOARD })],
      logger: { info() {}, warn: (fields) => warnings.push(fields as Record<string, unknown>) },
    });
    for (let i = 0; i < 3; i++) await outbox.enqueue(notificationFor('pagerduty', 'PD_MISSING_KEY'));
    await outbox.enqueue(notificationFor('slack', '#fraud-oncall'));
    await outbox.runDue();
    // Three pages failing alike make one warning; Slack's different failure has its own.
    expect(warnings.map((w) => w.channel).sort()).toEqual(['pagerduty', 'slack']);
    expect(warnings.find((w) => w.channel === 'pagerduty')?.error).toMatch(/PD_MISSING_KEY/);
    await outbox.enqueue(notificationFor('pagerduty', 'PD_MISSING_KEY'));
    clock.now += REPEATED_FAILURE_LOG_MS;
    await outbox.runDue();
    expect(warnings.filter((w) => w.channel === 'pagerduty').map((w) => w.repeatsSinceLastWarning)).toEqual([undefined, 2]);
  });

  it('pages once per incident and event, however often the trigger is enqueued', async () => {
    const pd = await fakeApi(() => ({ status: 202, body: { status: 'success' } }), { https: true });
    const clock = { now: T0 };
    const outbox = createNotificationOutbox({
      store,
      clock: () => clock.now,
      notifiers: [
        createPagerDutyNotifier({ routingKeyFor: () => 'R0KEY', dashboardUrl: DASHBOARD, server: pd.host, agent: testCaAgent() }),
      ],
    });
    const page = notificationFor('pagerduty', 'PD_FRAUD_KEY');
    expect(await outbox.enqueue(page)).toEqual({ enqueued: true, id: page.id });
    expect(await outbox.enqueue(page)).toMatchObject({ enqueued: false });
    await outbox.runDue();
    expect(await outbox.enqueue(page)).toMatchObject({ enqueued: false, reason: expect.stringContaining('already enqueued') });
    await outbox.runDue();
    expect(pd.received).toHaveLength(1);
  });
});

describe('notification outcomes for the incident timeline', () => {
  it('reports a failure once when retried, again when given up, and a channel without a notifier with the setting that fixes it', async () => {
    const statuses = [503, 503, 410];
    const hook = await fakeApi(() => ({ status: statuses.shift() ?? 410 }));
    const clock = { now: T0 };
    const failures: { channel: string; error: string; retrying: boolean }[] = [];
    const outbox = createNotificationOutbox({
      store,
      clock: () => clock.now,
      random: () => 0.5,
      notifiers: [
        createWebhookNotifier({ secret: 'whsec_test', dashboardUrl: DASHBOARD, egress: LOOPBACK_EGRESS, clock: () => clock.now }),
      ],
      onFailed: (notification, outcome) => failures.push({ channel: notification.channel, ...outcome }),
    });
    const notification = notificationFor('webhook', hook.url);
    await outbox.enqueue(notification);
    for (let i = 0; i < 3; i++) {
      await outbox.runDue();
      const [row] = await notificationsOfIncident(store, notification.incidentId);
      if (row!.state !== 'pending') break;
      clock.now = row!.next_attempt_at;
    }
    expect(failures).toEqual([
      { channel: 'webhook', error: 'receiver answered 503', retrying: true },
      { channel: 'webhook', error: 'receiver answered 410', retrying: false },
    ]);

    const slack = notificationFor('slack', '#fraud-oncall');
    await outbox.enqueue(slack);
    await outbox.runDue();
    expect(failures.at(-1)).toEqual({ channel: 'slack', error: 'Slack is not configured: SLACK_BOT_TOKEN is not set', retrying: false });
  });
});

describe('notification outbox across a restart', () => {
  it('sends a notification enqueued before the store closed exactly once after it reopens', async () => {
    const pd = await fakeApi(() => ({ status: 202, body: { status: 'success' } }), { https: true });
    const notifiers = () => [
      createPagerDutyNotifier({ routingKeyFor: () => 'R0KEY', dashboardUrl: DASHBOARD, server: pd.host, agent: testCaAgent() }),
    ];
    const clock = { now: T0 };
    const page = notificationFor('pagerduty', 'PD_FRAUD_KEY');

    const before = createNotificationOutbox({ store, clock: () => clock.now, notifiers: notifiers() });
    await before.start();
    // Due after the group wait: the process goes away before it is sent.
    await before.enqueue(page, { dueAt: T0 + 30_000 });
    expect(await before.runDue()).toBe(0);
    await before.stop();
    await store.close();

    store = createStore({ kind: 'embedded', dataDir });
    clock.now = T0 + 30_000;
    const after = createNotificationOutbox({ store, clock: () => clock.now, notifiers: notifiers() });
    await after.start();
    expect(await after.runDue()).toBe(1);
    expect(await after.runDue()).toBe(0);
    expect(await after.enqueue(page)).toMatchObject({ enqueued: false });
    await after.stop();
    expect(pd.received.map((r) => [r.body.event_action, r.body.dedup_key])).toEqual([['trigger', page.incidentId]]);
  });
});
