/**
 * The incident desk through the API on a real store: grouping per owner with auth, billing and
 * delivery alerts in one list, inhibition, silences, Alertmanager timing with a controlled clock,
 * reassignment, resolving by hand, the rules view and "who gets paged", rules reloaded without a
 * restart (a bad edit keeps the last good rules), and finance's spend report and daily digest.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertInput } from '@tollgate/alerting';
import { startFakeApi, type FakeApi } from '@tollgate/alerting/testing';
import { createSimulator, loadSimulatedTraffic } from '@tollgate/simulator';
import { notificationsOfIncident } from '@tollgate/store';
import { openTestServer, RULES_DIR, type TestServer } from './support/test-server.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-24T10:00:00Z');

let now = T0;
let server: TestServer;
let slack: FakeApi;
let rulesDir: string;
let nextAlert = 0;

function alert(overrides: Partial<AlertInput>): AlertInput {
  return {
    id: `an_api${++nextAlert}`,
    kind: 'volume_spike',
    severity: 'medium',
    state: 'open',
    scope: { country: 'KE' },
    action: 'alert',
    summary: 'a test anomaly',
    costPerHourUsd: 10,
    observed: 2,
    expected: 1,
    openedAt: now,
    updatedAt: now,
    ...overrides,
  };
}

const get = (url: string) => server.app.inject({ method: 'GET', url, headers: server.auth('read') });
const post = (url: string, payload: object) => server.app.inject({ method: 'POST', url, payload, headers: server.auth('operate') });
const probe = (payload: object) => server.app.inject({ method: 'POST', url: '/v1/rules/test', payload, headers: server.auth('read') });
const observe = (...alerts: AlertInput[]) => server.alerting.desk.observe(alerts);
const enqueued = async (incidentId: string) =>
  (await notificationsOfIncident(server.core.store, incidentId)).map((row) => `${row.event} ${row.channel} ${row.target}`).sort();

/** Polls GET /v1/rules until `test` holds; rules reload on a file watcher, so there is no event to await. */
async function rulesUntil(
  test: (body: { owners?: Array<{ name: string; slack?: string }>; lastError: null | { errors: string[] } }) => boolean,
) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const body = (await get('/v1/rules')).json();
    if (test(body)) return body;
    if (Date.now() > deadline) throw new Error(`rules never matched: ${JSON.stringify(body).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  slack = await startFakeApi((request) => ({
    status: 200,
    body: request.path.endsWith('chat.postMessage') ? { ok: true, channel: 'C0', ts: '1.1' } : { ok: true },
  }));
  rulesDir = mkdtempSync(join(tmpdir(), 'tollgate-rules-'));
  cpSync(RULES_DIR, rulesDir, { recursive: true });
  server = await openTestServer('incidents-api', {
    clock: () => now,
    // PagerDuty on a closed local port: pages fail fast and are retried, nothing leaves the machine.
    alertingEnv: {
      TOLLGATE_RULES_DIR: rulesDir,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_API_URL: `${slack.url}api/`,
      PAGERDUTY_EVENTS_SERVER: '127.0.0.1:9',
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await slack?.close();
  rmSync(rulesDir, { recursive: true, force: true });
});

describe('incidents', () => {
  it('routes each kind to its owner and lists auth, billing and delivery incidents together, filterable', async () => {
    const outcomes = await observe(
      alert({ kind: 'verify_bruteforce', scope: { app: 'bank', flow: 'login' }, severity: 'high' }),
      alert({ kind: 'delivery_failure', scope: { country: 'NG', provider: 'sinch' } }),
      alert({ kind: 'cost_spike', scope: { country: 'KE', app: 'shop' } }),
    );
    expect(outcomes.map((o) => o.action)).toEqual(['opened', 'opened', 'opened']);
    const all = (await get('/v1/incidents')).json().incidents as Array<{ owner: string; category: string; kinds: string[] }>;
    expect(all.map((i) => [i.owner, i.category, i.kinds[0]]).sort()).toEqual([
      ['fraud', 'billing', 'cost_spike'],
      ['iam', 'auth', 'verify_bruteforce'],
      ['messaging-vendor', 'delivery', 'delivery_failure'],
    ]);
    expect((await get('/v1/incidents?category=auth')).json().incidents.map((i: { owner: string }) => i.owner)).toEqual(['iam']);
    expect((await get('/v1/incidents?owner=messaging-vendor')).json().incidents.map((i: { kinds: string[] }) => i.kinds)).toEqual([
      ['delivery_failure'],
    ]);
    expect((await get('/v1/incidents?kind=cost_spike&app=shop')).json().incidents).toHaveLength(1);
    expect((await get('/v1/incidents?kind=cost_spike&app=bank')).json().incidents).toHaveLength(0);
    expect((await get('/v1/incidents?kind=cost_spike&category=auth')).json().incidents).toHaveLength(0);
    const bad = await get('/v1/incidents?category=money');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('category');
  });

  it('does not open an incident for a conversion drop that a delivery failure of the same provider and country explains', async () => {
    const [outcome] = await observe(alert({ kind: 'conversion_drop', scope: { country: 'NG', provider: 'sinch' }, severity: 'high' }));
    expect(outcome).toMatchObject({ action: 'inhibited', reason: expect.stringContaining('delivery_failure') });
    const [elsewhere] = await observe(alert({ kind: 'conversion_drop', scope: { country: 'GH', provider: 'sinch' }, severity: 'high' }));
    expect(elsewhere?.action).toBe('opened');
  });

  it('tells nobody during group_wait, then the owner; a change waits group_interval, an unchanged one is reminded after repeat_interval', async () => {
    now = T0 + DAY;
    const first = alert({ kind: 'volume_spike', scope: { country: 'TZ' }, severity: 'high' });
    const [opened] = await observe(first);
    const id = opened!.incidentId!;
    await server.alerting.tick();
    expect(await enqueued(id)).toEqual([]);
    now += 30_000;
    await server.alerting.tick();
    expect(await enqueued(id)).toEqual(['trigger pagerduty PD_FRAUD_KEY', 'trigger slack #fraud-oncall']);
    // A second anomaly joins: news, but group_interval (5 m) after the last message.
    await observe(alert({ kind: 'new_destination', scope: { country: 'TZ', prefix: '+255 68' }, severity: 'high' }));
    now += 60_000;
    await server.alerting.tick();
    expect(await enqueued(id)).toHaveLength(2);
    now += 5 * MINUTE;
    await server.alerting.tick();
    expect((await enqueued(id)).filter((row) => row.startsWith('follow_up'))).toEqual(['follow_up slack #fraud-oncall']);
    // Unchanged: reminded after repeat_interval (4 h), not before. Acknowledged first, so escalation stays out of it.
    expect((await post(`/v1/incidents/${id}/acknowledge`, {})).statusCode).toBe(200);
    now += 3 * 3_600_000;
    await server.alerting.tick();
    expect((await enqueued(id)).filter((row) => row.startsWith('follow_up'))).toHaveLength(1);
    now += 3_600_000 + MINUTE;
    await server.alerting.tick();
    expect((await enqueued(id)).filter((row) => row.startsWith('follow_up'))).toHaveLength(2);
  });

  it('sends nothing for an incident resolved within group_wait', async () => {
    now = T0 + 2 * DAY;
    const blip = alert({ kind: 'volume_spike', scope: { country: 'UG' }, severity: 'high' });
    const [opened] = await observe(blip);
    now += 10_000;
    await observe({ ...blip, state: 'resolved', resolvedAt: now });
    now += 60_000;
    await server.alerting.tick();
    expect(await enqueued(opened!.incidentId!)).toEqual([]);
    expect((await get(`/v1/incidents/${opened!.incidentId}`)).json().incident).toMatchObject({ state: 'resolved', resolvedBy: 'tollgate' });
  });

  it('reassigns to an owner of the rules (409 otherwise) and tells the new owner', async () => {
    now = T0 + 3 * DAY;
    const [opened] = await observe(alert({ kind: 'asn_concentration', scope: { country: 'RW' }, severity: 'high' }));
    const id = opened!.incidentId!;
    now += 31_000;
    await server.alerting.tick();
    const unknown = await post(`/v1/incidents/${id}/reassign`, { owner: 'nobody', reason: 'test' });
    expect(unknown.statusCode).toBe(409);
    expect(unknown.json().error).toMatchObject({ code: 'TG_INCIDENT_CONFLICT', details: { code: 'unknown_owner' } });
    const missing = await post(`/v1/incidents/${id}/reassign`, { owner: 'iam' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.field).toBe('reason');
    const moved = await post(`/v1/incidents/${id}/reassign`, { owner: 'iam', reason: 'the trigger path lets bots through' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().incident.owner).toBe('iam');
    await server.alerting.tick();
    expect(await enqueued(id)).toEqual(
      expect.arrayContaining(['trigger slack #iam-oncall', 'trigger pagerduty PD_IAM_KEY', 'follow_up slack #fraud-oncall']),
    );
    const timeline = (await get(`/v1/incidents/${id}`)).json().timeline;
    expect(timeline.find((entry: { type: string }) => entry.type === 'reassigned')).toMatchObject({
      from: 'fraud',
      to: 'iam',
      actor: 'test-operate',
    });
  });

  it('keeps an incident resolved by hand closed while its anomaly still fires', async () => {
    const firing = alert({ kind: 'sequential_numbers', scope: { country: 'ZM', prefix: '+260 97' }, severity: 'high' });
    const [opened] = await observe(firing);
    const resolved = await post(`/v1/incidents/${opened!.incidentId}/resolve`, { reason: 'a load test of ours' });
    expect(resolved.json().incident).toMatchObject({ state: 'resolved', resolvedBy: 'test-operate' });
    const [again] = await observe({ ...firing, severity: 'critical' });
    expect(again).toMatchObject({ action: 'ignored', reason: expect.stringContaining('resolved by hand') });
    expect((await post(`/v1/incidents/${opened!.incidentId}/resolve`, {})).json().error.details.code).toBe('already_resolved');
  });

  it('answers 404 for an unknown incident and 400 for a malformed id', async () => {
    expect((await get('/v1/incidents/inc_0123456789abcdef')).statusCode).toBe(404);
    expect((await get('/v1/incidents/nope')).statusCode).toBe(400);
  });
});

describe('silences', () => {
  it('refuses bad silences with the field and the reason', async () => {
    const badMatcher = await post('/v1/silences', {
      matchers: ['contry="ID"'],
      reason: 'x',
      endsAt: new Date(now + 3_600_000).toISOString(),
    });
    expect(badMatcher.statusCode).toBe(400);
    expect(badMatcher.json().error).toMatchObject({ field: 'matchers', message: expect.stringContaining('contry') });
    const past = await post('/v1/silences', { matchers: ['country="ID"'], reason: 'x', endsAt: new Date(now - 1000).toISOString() });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.field).toBe('endsAt');
    const tooLong = await post('/v1/silences', { matchers: ['country="ID"'], reason: 'x', endsAt: new Date(now + 8 * DAY).toISOString() });
    expect(tooLong.json().error.message).toContain('7 days');
  });

  it('mutes matching anomalies until it is deleted, with author and reason on record', async () => {
    const created = await post('/v1/silences', {
      matchers: ['kind="cost_spike"', 'country=~"MW|MZ"'],
      reason: 'price change announced by the carrier',
      endsAt: new Date(now + 3_600_000).toISOString(),
    });
    expect(created.statusCode).toBe(201);
    const silence = created.json().silence;
    expect(silence).toMatchObject({ author: 'test-operate', matchers: ['kind="cost_spike"', 'country=~"MW|MZ"'] });
    expect((await get('/v1/silences')).json().silences.map((s: { id: string }) => s.id)).toContain(silence.id);
    const [muted] = await observe(alert({ kind: 'cost_spike', scope: { country: 'MW' } }));
    expect(muted).toMatchObject({ action: 'silenced', reason: expect.stringContaining('price change announced by the carrier') });
    const [other] = await observe(alert({ kind: 'cost_spike', scope: { country: 'AO' } }));
    expect(other?.action).toBe('opened');
    const deleted = await server.app.inject({ method: 'DELETE', url: `/v1/silences/${silence.id}`, headers: server.auth('operate') });
    expect(deleted.statusCode).toBe(200);
    expect((await get('/v1/silences')).json().silences.map((s: { id: string }) => s.id)).not.toContain(silence.id);
    const [after] = await observe(alert({ kind: 'cost_spike', scope: { country: 'MZ' } }));
    expect(after?.action).toBe('opened');
    expect(
      (await server.app.inject({ method: 'DELETE', url: `/v1/silences/${silence.id}`, headers: server.auth('operate') })).statusCode,
    ).toBe(404);
  });
});

describe('rules', () => {
  it('shows owners with PagerDuty variables (never keys), the route tree and inhibit rules', async () => {
    const body = (await get('/v1/rules')).json();
    expect(body.owners.find((o: { name: string }) => o.name === 'fraud')).toMatchObject({
      role: 'anomaly_response',
      slack: '#fraud-oncall',
      pagerduty: 'PD_FRAUD_KEY',
    });
    expect(JSON.stringify(body)).not.toContain('test-pd-fraud');
    expect(body.route.receiver).toBe('fraud');
    expect(body.route.routes.length).toBeGreaterThan(3);
    expect(body.inhibit[0]).toMatchObject({
      source: ['kind="delivery_failure"'],
      target: ['kind="conversion_drop"'],
      equal: ['provider', 'country'],
    });
    expect(body.lastError).toBeNull();
  });

  it('answers who gets paged for a hypothetical anomaly', async () => {
    const brute = (await probe({ kind: 'verify_bruteforce', app: 'bank', flow: 'login' })).json();
    expect(brute).toMatchObject({ owner: 'iam', copies: [] });
    expect(brute.matches[0]).toMatchObject({ slack: '#iam-oncall', pages: true });
    const pricey = (await probe({ kind: 'cost_spike', severity: 'medium', country: 'ID', costPerHourUsd: 500 })).json();
    expect(pricey).toMatchObject({ owner: 'fraud', copies: ['finance'] });
    expect(pricey.matches.find((m: { receiver: string }) => m.receiver === 'fraud').pages).toBe(false);
    const budget = (await probe({ kind: 'budget_burn', severity: 'critical', app: 'shop' })).json();
    expect(budget).toMatchObject({ owner: 'finance' });
    expect(budget.matches.every((m: { pages: boolean }) => !m.pages)).toBe(true);
    const bad = await probe({ kind: 'pumping' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('kind');
  });

  it('reloads edited rules without a restart, and keeps the last good ones on a bad edit', async () => {
    const owners = join(rulesDir, 'owners.yaml');
    writeFileSync(owners, readFileSync(owners, 'utf8').replace('slack: "#fraud-oncall"', 'slack: "#fraud-war-room"'));
    await rulesUntil((body) => body.owners?.find((o) => o.name === 'fraud')?.slack === '#fraud-war-room');
    const routing = join(rulesDir, 'routing.yaml');
    const good = readFileSync(routing, 'utf8');
    writeFileSync(routing, good.replace('group_wait: 30s', 'group_wait: soon'));
    const broken = await rulesUntil((body) => body.lastError !== null);
    expect(broken.lastError!.errors.join('\n')).toMatch(/routing\.yaml:\d+ .*group_wait/);
    expect(broken.owners!.find((o: { name: string }) => o.name === 'fraud')!.slack).toBe('#fraud-war-room');
    expect((await probe({ kind: 'volume_spike' })).json().matches[0].slack).toBe('#fraud-war-room');
    writeFileSync(routing, good);
    await rulesUntil((body) => body.lastError === null);
  });
});

describe('finance', () => {
  const DAY_START = Date.parse('2026-11-27T00:00:00Z');

  beforeAll(async () => {
    const simulator = createSimulator({ seed: 9, startMs: DAY_START - DAY, sendsPerMinute: 4, scenarios: [] });
    await loadSimulatedTraffic({ ingestor: server.core.ingestor, simulator, fromMs: DAY_START - DAY, toMs: DAY_START + DAY });
  }, 120_000);

  it('reports spend by country, provider and app that add up, with the month against budgets', async () => {
    now = DAY_START + DAY;
    const res = await get(`/v1/spend?from=${new Date(DAY_START).toISOString()}&to=${new Date(DAY_START + DAY).toISOString()}`);
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report.totalUsd).toBeGreaterThan(0);
    const sum = (lines: Array<{ spendUsd: number }>) => lines.reduce((total, line) => total + line.spendUsd, 0);
    for (const lines of [report.byCountry, report.byProvider, report.byApp]) expect(sum(lines)).toBeCloseTo(report.totalUsd, 1);
    expect(report.byCountry.map((l: { spendUsd: number }) => l.spendUsd)).toEqual(
      [...report.byCountry.map((l: { spendUsd: number }) => l.spendUsd)].sort((a, b) => b - a),
    );
    expect(report.month.forecastUsd).toBeGreaterThanOrEqual(report.month.toDateUsd);
    expect(report.month.budgets.map((b: { label: string }) => b.label)).toEqual(
      expect.arrayContaining([expect.stringContaining('app=shop')]),
    );
    const backwards = await get(`/v1/spend?from=${new Date(DAY_START + DAY).toISOString()}&to=${new Date(DAY_START).toISOString()}`);
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.field).toBe('from');
  });

  it("sends the daily digest once to finance's channel, with totals, budgets and incidents", async () => {
    const before = slack.received.length;
    expect(await server.alerting.sendDigest(DAY_START)).toBe(1);
    expect(await server.alerting.sendDigest(DAY_START)).toBe(0);
    type Blocks = Array<{ type: string; text?: { text: string }; elements?: Array<{ url?: string }> }>;
    const blocksOf = (request: { body: Record<string, unknown> }) => JSON.parse(String(request.body.blocks ?? '[]')) as Blocks;
    const isDigest = (request: { body: Record<string, unknown> }) =>
      blocksOf(request)[0]?.text?.text.startsWith('Daily SMS spend') === true;
    const deadline = Date.now() + 15_000;
    while (!slack.received.slice(before).some(isDigest)) {
      if (Date.now() > deadline) throw new Error('the digest never reached Slack');
      await slack.requests(slack.received.length + 1);
    }
    const digests = slack.received.slice(before).filter(isDigest);
    expect(digests).toHaveLength(1);
    expect(digests[0]!.body.channel).toBe('#finance-alerts');
    const blocks = blocksOf(digests[0]!);
    expect(blocks[0]!.text!.text).toMatch(/^Daily SMS spend 2026-11-27: \$[\d,]+\.\d\d$/);
    const text = blocks[1]!.text!.text;
    expect(text).toContain('*By country:*');
    expect(text).toContain('*Budgets:*');
    expect(text).toContain('*Month to date:*');
    expect(blocks.find((block) => block.type === 'actions')?.elements?.[0]?.url).toMatch(/\/spend$/);
  });
});

describe('owners', () => {
  it("shows each owner's targets, measured response times and what is overdue, and no unowned kind", async () => {
    const res = await get('/v1/owners?days=30');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.unownedKinds).toEqual([]);
    const fraud = body.owners.find((o: { owner: string }) => o.owner === 'fraud');
    expect(fraud).toMatchObject({ role: 'anomaly_response', targets: { acknowledgeMs: 300_000, mitigateMs: 900_000 } });
    expect(fraud.incidents).toBeGreaterThanOrEqual(5);
    // The TZ incident was acknowledged 6.5 minutes after it opened (test "tells nobody during group_wait").
    expect(fraud.acknowledge.measured).toBeGreaterThanOrEqual(1);
    expect(fraud.overdue.length).toBeGreaterThan(0);
    expect(fraud.overdue.every((o: { overdueMs: number }) => o.overdueMs > 0)).toBe(true);
    const iam = body.owners.find((o: { owner: string }) => o.owner === 'iam');
    expect(iam.incidents).toBeGreaterThanOrEqual(2);
    expect((await get('/v1/owners?days=400')).statusCode).toBe(400);
  });
});

describe('planned events', () => {
  const declare = (body: object) => post('/v1/planned-events', body);
  const window = (hours: number) => ({ startsAt: new Date(now).toISOString(), endsAt: new Date(now + hours * 3_600_000).toISOString() });

  it('refuses a planned event without a scope, too long, for an unknown owner or with a silly multiplier, naming the field', async () => {
    now = T0 + 10 * DAY;
    const cases: Array<[object, string]> = [
      [{ kind: 'campaign', scope: {}, ...window(2), note: 'x' }, 'scope'],
      [{ kind: 'campaign', scope: { country: 'SN' }, ...window(31 * 24), note: 'x' }, 'endsAt'],
      [{ kind: 'campaign', scope: { country: 'SN' }, ...window(2), owner: 'marketing', note: 'x' }, 'owner'],
      [{ kind: 'campaign', scope: { country: 'SN' }, ...window(2), volumeMultiplier: 0, note: 'x' }, 'volumeMultiplier'],
      [{ kind: 'party', scope: { country: 'SN' }, ...window(2), note: 'x' }, 'kind'],
    ];
    for (const [body, field] of cases) {
      const res = await declare(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.field).toBe(field);
    }
  });

  it("gives the scope's incidents to the temporary owner during the window, and back to the rules after it", async () => {
    const created = await declare({
      kind: 'launch',
      scope: { country: 'SN' },
      ...window(2),
      volumeMultiplier: 2,
      owner: 'iam',
      note: 'login launch in Senegal',
    });
    expect(created.statusCode).toBe(201);
    const plan = created.json().event;
    expect(plan).toMatchObject({ author: 'test-operate', owner: 'iam', volumeMultiplier: 2 });
    expect((await get('/v1/planned-events')).json().events.map((e: { id: string }) => e.id)).toContain(plan.id);

    const [during] = await observe(alert({ kind: 'volume_spike', scope: { country: 'SN' }, severity: 'high' }));
    const inside = (await get(`/v1/incidents/${during!.incidentId}`)).json();
    expect(inside.incident.owner).toBe('iam');
    expect(inside.timeline.find((entry: { type: string }) => entry.type === 'reassigned')).toMatchObject({
      from: 'fraud',
      to: 'iam',
      actor: 'tollgate',
      reason: expect.stringContaining(`planned launch ${plan.id}`),
    });
    await post(`/v1/incidents/${during!.incidentId}/resolve`, { reason: 'launch traffic' });

    now += 3 * 3_600_000;
    await server.alerting.tick();
    const [after] = await observe(alert({ kind: 'volume_spike', scope: { country: 'SN' }, severity: 'high' }));
    expect((await get(`/v1/incidents/${after!.incidentId}`)).json().incident.owner).toBe('fraud');
    expect((await get('/v1/planned-events')).json().events.map((e: { id: string }) => e.id)).not.toContain(plan.id);
  });

  it('ends a planned event early', async () => {
    const plan = (await declare({ kind: 'holiday', scope: { country: 'CI' }, ...window(24), note: 'Tabaski' })).json().event;
    const ended = await server.app.inject({ method: 'DELETE', url: `/v1/planned-events/${plan.id}`, headers: server.auth('operate') });
    expect(ended.statusCode).toBe(200);
    expect(Date.parse(ended.json().event.endsAt)).toBe(now);
    expect((await get('/v1/planned-events')).json().events.map((e: { id: string }) => e.id)).not.toContain(plan.id);
    expect(
      (await server.app.inject({ method: 'DELETE', url: `/v1/planned-events/${plan.id}`, headers: server.auth('operate') })).statusCode,
    ).toBe(404);
  });
});
