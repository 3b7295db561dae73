import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '@tollgate/client';
import { createEgressGuard, parseEgressAllow } from '@tollgate/egress';
import {
  acknowledge,
  createPagerDutyNotifier,
  createSlackNotifier,
  createWebhookNotifier,
  describeIncident,
  openIncident,
  type Incident,
  type Notification,
  type RouteMatch,
} from '../src/index.ts';
import { startFakeApi, testCaAgent, type FakeApi } from '../src/testing/fake-apis.ts';
import { T0, alert } from './fixtures/alerts.ts';

// The stand-in receivers listen on loopback, which the server reaches only because the operator allows it.
const LOOPBACK_EGRESS = createEgressGuard({ allow: parseEgressAllow('127.0.0.1') });

const DASHBOARD = 'https://tollgate.example.com';
const apis: FakeApi[] = [];
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.close()));
});

async function fakeApi(...args: Parameters<typeof startFakeApi>): Promise<FakeApi> {
  const api = await startFakeApi(...args);
  apis.push(api);
  return api;
}

const match = { routePath: 'route.routes[2]', groupKey: 'route.routes[2]:{kind="conversion_drop"}', receiver: 'fraud' } as RouteMatch;
const incident: Incident = openIncident({ id: 'inc_0123456789abcdef', match, alert: alert({ costPerHourUsd: 1234.5 }), nowMs: T0 });
const message = describeIncident(incident, { breaker: 'blocking country ID since 10:02' });

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: `${incident.id}:slack:#fraud-oncall:trigger`,
    incidentId: incident.id,
    channel: 'slack',
    target: '#fraud-oncall',
    event: 'trigger',
    message,
    ...overrides,
  };
}

const slackOk = () => ({ status: 200, body: { ok: true, channel: 'C0FRAUD', ts: '1763632800.000100' } });

describe('Slack notifier (real @slack/web-api against a local server)', () => {
  it('posts a Block Kit message with what, where, money, breaker, owner and the incident link', async () => {
    const slack = await fakeApi(slackOk);
    const notifier = createSlackNotifier({ token: 'xoxb-test', dashboardUrl: DASHBOARD, slackApiUrl: `${slack.url}api/` });
    expect(await notifier.send(notification())).toEqual({ ok: true, ref: 'C0FRAUD:1763632800.000100' });
    const [request] = slack.received;
    expect(request).toMatchObject({ method: 'POST', path: '/api/chat.postMessage', headers: { authorization: 'Bearer xoxb-test' } });
    expect(request!.body.channel).toBe('#fraud-oncall');
    const blocks = JSON.parse(String(request!.body.blocks)) as Array<{
      type: string;
      fields?: Array<{ text: string }>;
      elements?: Array<{ url?: string }>;
    }>;
    const fields = blocks.find((block) => block.fields)?.fields?.map((field) => field.text);
    expect(fields).toEqual([
      '*What*\nconversion_drop',
      '*Where*\ncountry ID · provider twilio · app shop · flow signup',
      '*Money*\n$1,234.50 per hour',
      '*Breaker*\nblocking country ID since 10:02',
      '*Owner*\nfraud',
      '*State*\ntriggered',
    ]);
    expect(blocks.find((block) => block.type === 'actions')?.elements?.[0]?.url).toBe(`${DASHBOARD}/incidents/inc_0123456789abcdef`);
    expect(String(request!.body.text)).toContain('HIGH');
  });

  it.each([
    ['acknowledge', '/api/chat.update', { channel: 'C0FRAUD', ts: '1763632800.000100' }],
    ['resolve', '/api/chat.update', { channel: 'C0FRAUD', ts: '1763632800.000100' }],
    ['follow_up', '/api/chat.postMessage', { channel: 'C0FRAUD', thread_ts: '1763632800.000100' }],
  ] as const)('%s with the stored ts goes to %s', async (event, path, fields) => {
    const slack = await fakeApi(slackOk);
    const notifier = createSlackNotifier({ token: 'xoxb-test', dashboardUrl: DASHBOARD, slackApiUrl: `${slack.url}api/` });
    const acked = acknowledge(incident, 'ana', T0 + 60_000);
    if (!acked.ok) throw new Error(acked.error.message);
    const sent = await notifier.send(
      notification({ event, ref: 'C0FRAUD:1763632800.000100', message: describeIncident(acked.incident, { text: 'still rising' }) }),
    );
    expect(sent).toEqual({ ok: true, ref: 'C0FRAUD:1763632800.000100' });
    expect(slack.received[0]?.path).toBe(path);
    expect(slack.received[0]?.body).toMatchObject(fields);
  });

  it('turns a 429 into a retry after Retry-After, without retrying by itself', async () => {
    const slack = await fakeApi(() => ({ status: 429, headers: { 'retry-after': '7' }, body: { ok: false, error: 'ratelimited' } }));
    const notifier = createSlackNotifier({ token: 'xoxb-test', dashboardUrl: DASHBOARD, slackApiUrl: `${slack.url}api/` });
    expect(await notifier.send(notification())).toEqual({
      ok: false,
      retry: true,
      retryAfterMs: 7_000,
      error: 'Slack rate limit: retry after 7 s',
    });
    expect(slack.received).toHaveLength(1);
  });

  it.each([
    ['channel_not_found', false],
    ['internal_error', true],
  ])('Slack error %s is retried: %s', async (code, retry) => {
    const slack = await fakeApi(() => ({ status: 200, body: { ok: false, error: code } }));
    const notifier = createSlackNotifier({ token: 'xoxb-test', dashboardUrl: DASHBOARD, slackApiUrl: `${slack.url}api/` });
    expect(await notifier.send(notification())).toEqual({ ok: false, retry, error: `Slack refused: ${code}` });
  });
});

describe('PagerDuty notifier (real @pagerduty/pdjs against a local HTTPS server)', () => {
  const accepted = () => ({ status: 202, body: { status: 'success', message: 'Event processed', dedup_key: incident.id } });
  const notifierFor = (api: FakeApi) =>
    createPagerDutyNotifier({
      routingKeyFor: (name) => ({ PD_FRAUD_KEY: 'R0FRAUDKEY' })[name],
      dashboardUrl: DASHBOARD,
      server: api.host,
      agent: testCaAgent(),
    });

  it.each(['trigger', 'acknowledge', 'resolve'] as const)('sends %s with the incident id as dedup key', async (event) => {
    const pd = await fakeApi(accepted, { https: true });
    const sent = await notifierFor(pd).send(notification({ channel: 'pagerduty', target: 'PD_FRAUD_KEY', event }));
    expect(sent).toEqual({ ok: true });
    expect(pd.received[0]).toMatchObject({ method: 'POST', path: '/v2/enqueue' });
    expect(pd.received[0]?.body).toMatchObject({ routing_key: 'R0FRAUDKEY', event_action: event, dedup_key: 'inc_0123456789abcdef' });
  });

  it('puts the evidence in custom_details and links the incident page', async () => {
    const pd = await fakeApi(accepted, { https: true });
    await notifierFor(pd).send(notification({ channel: 'pagerduty', target: 'PD_FRAUD_KEY' }));
    expect(pd.received[0]?.body).toMatchObject({
      payload: {
        severity: 'error',
        source: 'tollgate',
        group: 'fraud',
        custom_details: {
          cost_per_hour_usd: 1234.5,
          breaker: 'blocking country ID since 10:02',
          evidence: [
            { alertId: 'an_1', kind: 'conversion_drop', observed: 0.04, expected: 0.71, scope: { country: 'ID', provider: 'twilio' } },
          ],
        },
      },
      links: [{ href: `${DASHBOARD}/incidents/inc_0123456789abcdef`, text: 'Tollgate incident' }],
    });
  });

  it.each([
    [400, false],
    [503, true],
  ])('answers %i with retry %s', async (status, retry) => {
    const pd = await fakeApi(() => ({ status, body: { status: 'invalid event' } }), { https: true });
    const sent = await notifierFor(pd).send(notification({ channel: 'pagerduty', target: 'PD_FRAUD_KEY' }));
    expect(sent).toMatchObject({ ok: false, retry, error: expect.stringContaining(`PagerDuty answered ${status}`) });
  });

  it('refuses without a request when the routing key variable is unset', async () => {
    const pd = await fakeApi(accepted, { https: true });
    const sent = await notifierFor(pd).send(notification({ channel: 'pagerduty', target: 'PD_MISSING' }));
    expect(sent).toEqual({ ok: false, retry: false, error: 'environment variable PD_MISSING (the PagerDuty routing key) is not set' });
    expect(pd.received).toHaveLength(0);
  });
});

describe('signed webhook notifier', () => {
  const nowMs = T0;
  it("posts the incident signed with the breaker webhooks' scheme", async () => {
    const hook = await fakeApi(() => ({ status: 204 }));
    const notifier = createWebhookNotifier({ secret: 'whsec_test', dashboardUrl: DASHBOARD, egress: LOOPBACK_EGRESS, clock: () => nowMs });
    const sent = await notifier.send(notification({ channel: 'webhook', target: `${hook.url}incidents`, id: 'n1' }));
    expect(sent).toEqual({ ok: true });
    const [request] = hook.received;
    expect(request).toMatchObject({ method: 'POST', path: '/incidents', headers: { 'idempotency-key': 'n1' } });
    expect(request!.body).toMatchObject({ id: 'n1', type: 'incident.trigger', incident: { incidentId: incident.id, owner: 'fraud' } });
    const header = String(request!.headers['tollgate-signature']);
    expect(verifyWebhookSignature({ secret: 'whsec_test', header, rawBody: request!.rawBody, nowS: nowMs / 1000 })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ secret: 'whsec_other', header, rawBody: request!.rawBody, nowS: nowMs / 1000 }).ok).toBe(false);
  });

  it.each([
    [429, { 'retry-after': '30' }, { ok: false, retry: true, retryAfterMs: 30_000, error: 'receiver answered 429' }],
    [500, {}, { ok: false, retry: true, error: 'receiver answered 500' }],
    [410, {}, { ok: false, retry: false, error: 'receiver answered 410' }],
  ])('maps %i to a result', async (status, headers, expected) => {
    const hook = await fakeApi(() => ({ status, headers }));
    const notifier = createWebhookNotifier({ secret: 'whsec_test', dashboardUrl: DASHBOARD, egress: LOOPBACK_EGRESS, clock: () => nowMs });
    expect(await notifier.send(notification({ channel: 'webhook', target: hook.url }))).toEqual(expected);
  });

  it.each(['http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/hook'])(
    "refuses an owner's webhook at %s without retrying, as the operator did not allow it",
    async (target) => {
      const notifier = createWebhookNotifier({
        secret: 'whsec_test',
        dashboardUrl: DASHBOARD,
        egress: LOOPBACK_EGRESS,
        clock: () => nowMs,
      });
      expect(await notifier.send(notification({ channel: 'webhook', target }))).toEqual({
        ok: false,
        retry: false,
        error: expect.stringMatching(/^refused: .* is a (metadata|private) address/),
      });
    },
  );
});
