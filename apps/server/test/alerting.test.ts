/**
 * Alert routing end to end: a simulated pumping burst goes through ingest and a detection cycle,
 * the anomaly opens an incident owned by fraud, and the real Slack and PagerDuty clients reach
 * local stand-ins for their APIs: the trigger after group_wait with the exact payloads and the
 * incident id as dedup key, the escalation of an unacknowledged incident, the Slack update and
 * PagerDuty acknowledge on acknowledge, a note in the thread, the resolve; then a notification
 * that failed is delivered by a restarted server, and nothing is paged twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, loadSimulatedTraffic } from '@tollgate/simulator';
import { startFakeApi, testCaAgent, type FakeApi, type ReceivedRequest } from '@tollgate/alerting/testing';
import { createDetectionRuntime } from '../src/detection-runtime.ts';
import { loadPolicyFile } from '@tollgate/breakers';
import { openTestServer, RULES_DIR, type TestServer } from './support/test-server.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-24T10:00:00Z');
const DASHBOARD = 'https://tollgate.example.com';

let now = T0;
let slackDown = false;
let slackPosts = 0;
let slack: FakeApi;
let pagerDuty: FakeApi;
let server: TestServer;
let dataDir: string;

const alertingEnv = () => ({
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_API_URL: `${slack.url}api/`,
  PAGERDUTY_EVENTS_SERVER: pagerDuty.host,
  TOLLGATE_DASHBOARD_URL: DASHBOARD,
});

const open = (dir?: string) =>
  openTestServer('alerting', {
    keepData: true,
    clock: () => now,
    alertingEnv: alertingEnv(),
    pagerDutyAgent: testCaAgent(),
    ...(dir ? { dataDir: dir } : {}),
  });

/** Waits for the stand-in to have received `count` requests in all, failing after a deadline instead of hanging. */
async function received(api: FakeApi, count: number): Promise<ReceivedRequest[]> {
  return api.requests(count, 15_000);
}

/** Polls the incident until its timeline holds an entry passing `test` (the outbox records sends asynchronously). */
async function timelineWith(id: string, test: (entry: { type: string; [key: string]: unknown }) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await server.app.inject({ method: 'GET', url: `/v1/incidents/${id}`, headers: server.auth('read') });
    const body = res.json();
    if (body.timeline.some(test)) return body;
    if (Date.now() > deadline) throw new Error(`timeline of ${id} never matched: ${JSON.stringify(body.timeline)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const slackCalls = () => slack.received.filter((request) => request.path.startsWith('/api/chat.'));
const blocksOf = (request: ReceivedRequest) =>
  JSON.parse(String(request.body.blocks)) as Array<{
    type: string;
    text?: { text: string };
    fields?: Array<{ text: string }>;
    elements?: Array<{ url?: string }>;
  }>;

describe('alert routing end to end', () => {
  let incidentId: string;
  let costPerHour: number;

  beforeAll(async () => {
    slack = await startFakeApi((request) => {
      if (slackDown) return { status: 503, body: { ok: false, error: 'service_unavailable' } };
      if (request.path === '/api/chat.postMessage')
        return { status: 200, body: { ok: true, channel: 'C0FRAUD', ts: `1763978400.00${++slackPosts}` } };
      return { status: 200, body: { ok: true } };
    });
    pagerDuty = await startFakeApi(() => ({ status: 202, body: { status: 'success', message: 'Event processed' } }), { https: true });
    server = await open();
    dataDir = server.dataDir;
    const startMs = T0 - 2 * 24 * 60 * MINUTE;
    const simulator = createSimulator({
      seed: 5,
      startMs,
      sendsPerMinute: 20,
      scenarios: [{ kind: 'burst_pumping', startMs: T0 - 20 * MINUTE, durationMs: 2 * 60 * MINUTE, countries: ['UZ'], sendsPerMinute: 60 }],
    });
    await loadSimulatedTraffic({ ingestor: server.core.ingestor, simulator, fromMs: startMs, toMs: T0 });
    const detection = createDetectionRuntime({
      store: server.core.store,
      registry: server.decisions.registry,
      policy: loadPolicyFile({ TOLLGATE_RULES_DIR: RULES_DIR }),
      clock: () => T0,
      breakerClock: () => now,
      onChanges: (changes) => server.alerting.observe(changes),
      onError: (error) => {
        throw error;
      },
    });
    await detection.runCycle();
    // The attack goes on after detection: the incident's spend is what it cost while open.
    await loadSimulatedTraffic({ ingestor: server.core.ingestor, simulator, fromMs: T0, toMs: T0 + 30 * MINUTE });
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await slack?.close();
    await pagerDuty?.close();
  });

  it('opens one incident for the burst (its symptoms grouped by country), owned by fraud, with the auto-tripped breaker on its timeline', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/incidents?owner=fraud&category=billing', headers: server.auth('read') });
    expect(res.statusCode).toBe(200);
    const uz = res
      .json()
      .incidents.filter((incident: { anomalies: Array<{ scope: { country?: string } }> }) =>
        incident.anomalies.some((a) => a.scope.country === 'UZ'),
      );
    expect(uz).toHaveLength(1);
    expect(uz[0]).toMatchObject({ owner: 'fraud', state: 'triggered', category: 'billing' });
    incidentId = uz[0].id;
    costPerHour = uz[0].costPerHourUsd;
    expect(costPerHour).toBeGreaterThan(0);
    const detail = (await server.app.inject({ method: 'GET', url: `/v1/incidents/${incidentId}`, headers: server.auth('read') })).json();
    const types: string[] = detail.timeline.map((entry: { type: string }) => entry.type);
    expect(types[0]).toBe('opened');
    expect(types.filter((type) => type === 'anomaly_added')).toHaveLength(uz[0].anomalies.length - 1);
    const trips = detail.timeline.filter((entry: { type: string }) => entry.type === 'breaker_tripped');
    expect(trips.length).toBeGreaterThan(0);
    expect(trips.every((trip: { scope: string }) => trip.scope.includes('UZ'))).toBe(true);
    // Services keep asking before each send: the breaker refuses the pumped numbers, and the refused
    // sends, priced, are what the incident prevented.
    for (let n = 0; n < 5; n += 1) {
      const decision = await server.app.inject({
        method: 'POST',
        url: '/v1/decide',
        payload: { app: 'social', flow: 'signup', phone: `+99897712345${n}`, ip: `198.51.100.${n}` },
        headers: server.auth('decide'),
      });
      expect(decision.json().decision).toBe('block');
    }
    await server.decisions.counter.flush();
    // The same anomaly seen again (the next cycle) updates the incident instead of opening another.
    const again = await server.alerting.desk.observe(server.alerting.desk.open().find((i) => i.id === incidentId)!.anomalies);
    expect(again.map((outcome) => [outcome.action, outcome.incidentId])).toEqual(uz[0].anomalies.map(() => ['updated', incidentId]));
  });

  it('tells nobody during group_wait, then posts to Slack and pages PagerDuty with the incident id as dedup key', async () => {
    await server.alerting.tick();
    await server.alerting.outbox.runDue();
    expect(slackCalls()).toHaveLength(0);
    expect(pagerDuty.received).toHaveLength(0);

    now = T0 + 31_000;
    await server.alerting.tick();
    // Finance is copied on findings costing $100 an hour or more (routing.yaml), without a page.
    const channels = costPerHour >= 100 ? ['#finance-alerts', '#fraud-oncall'] : ['#fraud-oncall'];
    await received(slack, channels.length);
    const [page] = await received(pagerDuty, 1);
    const posts = slackCalls();
    expect(posts.map((request) => request.body.channel).sort()).toEqual(channels);
    const fraudPost = posts.find((request) => request.body.channel === '#fraud-oncall')!;
    expect(fraudPost).toMatchObject({ path: '/api/chat.postMessage', headers: { authorization: 'Bearer xoxb-test' } });
    const fields = blocksOf(fraudPost)
      .find((block) => block.fields)!
      .fields!.map((field) => field.text);
    expect(fields[0]).toMatch(/^\*What\*\n(volume_spike|new_destination)/);
    expect(fields[1]).toContain('country UZ');
    expect(fields[3]).toMatch(/^\*Breaker\*\nbreaker br_[0-9a-f]+ tripped on .*UZ/);
    expect(fields[4]).toBe('*Owner*\nfraud');
    expect(blocksOf(fraudPost).find((block) => block.type === 'actions')?.elements?.[0]?.url).toBe(`${DASHBOARD}/incidents/${incidentId}`);

    expect(page!.path).toBe('/v2/enqueue');
    expect(page!.body).toMatchObject({
      routing_key: 'test-pd-fraud',
      event_action: 'trigger',
      dedup_key: incidentId,
      payload: { source: 'tollgate', group: 'fraud', custom_details: { owner: 'fraud' } },
      links: [{ href: `${DASHBOARD}/incidents/${incidentId}`, text: 'Tollgate incident' }],
    });
    const details = (page!.body.payload as { custom_details: { evidence: Array<{ scope: { country: string } }>; breaker: string } })
      .custom_details;
    expect(details.evidence.every((evidence) => evidence.scope.country === 'UZ')).toBe(true);
    expect(details.breaker).toContain('tripped');

    const detail = await timelineWith(
      incidentId,
      (entry) => entry.type === 'notified' && entry.channel === 'slack' && entry.target === '#fraud-oncall',
    );
    expect(detail.timeline.find((entry: { type: string }) => entry.type === 'paged')).toMatchObject({
      target: 'PD_FRAUD_KEY',
      event: 'trigger',
    });
  });

  it('pages the escalation contact of an incident nobody acknowledged in 15 minutes', async () => {
    now = T0 + 16 * MINUTE;
    await server.alerting.tick();
    const requests = await received(pagerDuty, 2);
    expect(requests[1]!.body).toMatchObject({ routing_key: 'test-pd-fraud', dedup_key: incidentId, event_action: 'trigger' });
    const res = await server.app.inject({ method: 'GET', url: `/v1/incidents/${incidentId}`, headers: server.auth('read') });
    expect(res.json().incident.escalatedLevels).toBe(1);
    expect(res.json().timeline.find((entry: { type: string }) => entry.type === 'escalated')).toMatchObject({
      contact: 'fraud-secondary',
      level: 1,
    });
    // A second tick at the same time pages nobody again.
    await server.alerting.tick();
    await server.alerting.outbox.runDue();
    expect(pagerDuty.received).toHaveLength(2);
  });

  it('acknowledges through the API: the Slack message is updated in place and PagerDuty acknowledged', async () => {
    const before = slackCalls().length;
    const res = await server.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incidentId}/acknowledge`,
      payload: {},
      headers: server.auth('operate'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().incident).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'test-operate' });
    const requests = await received(pagerDuty, 3);
    expect(requests[2]!.body).toMatchObject({ event_action: 'acknowledge', dedup_key: incidentId, routing_key: 'test-pd-fraud' });
    const channels = costPerHour >= 100 ? 2 : 1;
    await received(slack, before + channels);
    const update = slackCalls()
      .slice(before)
      .find((request) => request.path === '/api/chat.update')!;
    const fraudTs = slackCalls().find((request) => request.body.channel === '#fraud-oncall')!;
    expect(update.body.channel).toBe('C0FRAUD');
    expect(blocksOf(update)[0]!.text!.text).toContain('Acknowledged by test-operate');
    expect(fraudTs).toBeDefined();

    const twice = await server.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incidentId}/acknowledge`,
      payload: {},
      headers: server.auth('operate'),
    });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error).toMatchObject({ code: 'TG_INCIDENT_CONFLICT', details: { code: 'already_acknowledged' } });
  });

  it('puts a note on the timeline and in the Slack thread, never on PagerDuty', async () => {
    const before = slackCalls().length;
    const res = await server.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incidentId}/notes`,
      payload: { text: 'blocking 99890 with the vendor' },
      headers: server.auth('operate'),
    });
    expect(res.statusCode).toBe(200);
    await received(slack, before + (costPerHour >= 100 ? 2 : 1));
    const reply = slackCalls()[before]!;
    expect(reply.path).toBe('/api/chat.postMessage');
    expect(reply.body.thread_ts).toMatch(/^1763978400\.00\d+$/);
    expect(JSON.stringify(blocksOf(reply))).toContain('Note from test-operate: blocking 99890 with the vendor');
    expect(pagerDuty.received).toHaveLength(3);
  });

  it('records a breaker reset by hand on the incident timeline', async () => {
    const breaker = server.decisions.registry.list().find((b) => b.state !== 'closed' && b.scope.country === 'UZ')!;
    const reset = await server.app.inject({
      method: 'POST',
      url: `/v1/breakers/${breaker.id}/reset`,
      payload: { note: 'vendor blocked the range' },
      headers: server.auth('operate'),
    });
    expect(reset.statusCode).toBe(200);
    const detail = await timelineWith(incidentId, (entry) => entry.type === 'breaker_reset');
    expect(detail.timeline.find((entry: { type: string }) => entry.type === 'breaker_reset')).toMatchObject({
      breakerId: breaker.id,
      actor: 'test-operate',
    });
  });

  it('resolves; a Slack update that fails is delivered by the restarted server, and nothing pages twice', async () => {
    slackDown = true;
    const before = slackCalls().length;
    const res = await server.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incidentId}/resolve`,
      payload: { reason: 'breaker holds, vendor blocked the range' },
      headers: server.auth('operate'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().incident).toMatchObject({ state: 'resolved', resolvedBy: 'test-operate' });
    expect(res.json().incident.spendUsd).toBeGreaterThan(0);
    expect(res.json().incident.preventedUsd).toBeGreaterThan(0);
    const requests = await received(pagerDuty, 4);
    expect(requests[3]!.body).toMatchObject({ event_action: 'resolve', dedup_key: incidentId });
    await received(slack, before + 1);
    expect(slack.received.at(-1)!.path).toBe('/api/chat.update');

    await server.close();
    slackDown = false;
    now += 2 * 3_600_000;
    server = await open(dataDir);
    const channels = costPerHour >= 100 ? 2 : 1;
    const all = await received(slack, slack.received.length + channels);
    const resolvedUpdate = all.at(-1)!;
    expect(resolvedUpdate.path).toBe('/api/chat.update');
    expect(blocksOf(resolvedUpdate)[0]!.text!.text).toContain('Resolved');

    await server.alerting.tick();
    await server.alerting.outbox.runDue();
    expect(pagerDuty.received).toHaveLength(4);
    const stored = (await server.app.inject({ method: 'GET', url: `/v1/incidents/${incidentId}`, headers: server.auth('read') })).json();
    expect(stored.incident.state).toBe('resolved');
    expect(stored.timeline.map((entry: { type: string }) => entry.type)).toContain('acknowledged');
  });
});
