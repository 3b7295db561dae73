import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBreakerPolicy, runPolicyBacktest, type BreakerPolicy, type Decision } from '@tollgate/breakers';
import { createSimulator, loadSimulatedTraffic } from '@tollgate/simulator';
import { openTestServer, RULES_DIR, type TestServer } from './support/test-server.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const START_MS = Date.parse('2026-11-20T00:00:00Z');
const ATTACK_FROM_MS = START_MS + 2 * HOUR_MS;
const END_MS = START_MS + 4 * HOUR_MS;
const POLICY_TEXT = readFileSync(join(RULES_DIR, 'breaker-policy.yaml'), 'utf8');

let server: TestServer;
let policy: BreakerPolicy;
/** "app\0session" of every session the attack opened, from the simulator's ground truth. */
const attackSessions = new Set<string>();

beforeAll(async () => {
  server = await openTestServer('policy-backtest');
  const parsed = parseBreakerPolicy(POLICY_TEXT, 'breaker-policy.yaml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  policy = parsed.policy;
  const spec = () =>
    createSimulator({
      seed: 11,
      startMs: START_MS,
      sendsPerMinute: 20,
      scenarios: [{ kind: 'burst_pumping', startMs: ATTACK_FROM_MS, durationMs: HOUR_MS, countries: ['UZ'], sendsPerMinute: 40 }],
    });
  await loadSimulatedTraffic({ ingestor: server.core.ingestor, simulator: spec(), fromMs: START_MS, toMs: END_MS });
  const simulator = spec();
  const events = [...simulator.generate(START_MS, END_MS)];
  const attackLabels = new Set(
    simulator
      .labels(END_MS)
      .filter((label) => label.attack)
      .map((label) => label.id),
  );
  for (const event of events) {
    if (event.kind === 'send' && event.label !== undefined && attackLabels.has(event.label))
      attackSessions.add(`${event.body.app}\u0000${event.body.session_id}`);
  }
}, 180_000);
afterAll(() => server.close());

describe('the policy backtest on simulated history with a pumping burst', () => {
  it('blocks most attack sessions and lets nearly all legitimate verified sessions through', async () => {
    const firstDecisions = new Map<string, { decision: Decision; verified: boolean }>();
    const report = await runPolicyBacktest({
      store: server.core.store,
      policy,
      fromMs: START_MS,
      toMs: END_MS,
      hashPhone: (e164) => server.core.identity.hasher.phone(e164),
      onDecision: (send, result, first) => {
        if (first) firstDecisions.set(`${send.app}\u0000${send.session_id}`, { decision: result.decision, verified: send.verified === 1 });
      },
    });
    const attack = [...firstDecisions].filter(([session]) => attackSessions.has(session)).map(([, d]) => d);
    const legitVerified = [...firstDecisions].filter(([session, d]) => !attackSessions.has(session) && d.verified).map(([, d]) => d);
    const share = (list: { decision: Decision }[], decision: Decision) => list.filter((d) => d.decision === decision).length / list.length;
    expect(attack.length).toBeGreaterThan(1_000);
    expect(legitVerified.length).toBeGreaterThan(2_000);
    expect(share(attack, 'block')).toBeGreaterThanOrEqual(0.8);
    expect(share(attack, 'allow')).toBeLessThanOrEqual(0.05);
    expect(share(legitVerified, 'allow')).toBeGreaterThanOrEqual(0.95);
    expect(share(legitVerified, 'block')).toBeLessThanOrEqual(0.01);
    // The report adds up: sessions by decision, and the spend stopped is part of the spend.
    const { total } = report;
    expect(total.allowed + total.challenged + total.blocked).toBe(total.sessions);
    expect(total.sessions).toBe(firstDecisions.size);
    expect(total.spendStoppedUsd).toBeGreaterThan(0);
    expect(total.spendStoppedUsd).toBeLessThan(total.spendUsd);
  }, 120_000);

  it('answers the same report over HTTP for a draft policy, per app and flow', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/policy/backtest',
      headers: server.auth('operate'),
      payload: { policy: POLICY_TEXT, from: new Date(START_MS).toISOString(), to: new Date(END_MS).toISOString() },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const attacked = body.groups.find((g: { app: string; flow: string }) => g.app === 'social' && g.flow === 'signup');
    expect(attacked.blocked).toBeGreaterThan(attacked.verified.blocked);
    expect(attacked.spend_stopped_usd).toBeGreaterThan(0);
    expect(body.total.sessions).toBe(body.groups.reduce((n: number, g: { sessions: number }) => n + g.sessions, 0));
  }, 120_000);

  it('refuses a draft with mistakes, naming each line', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/policy/backtest',
      headers: server.auth('operate'),
      payload: { policy: 'version: 1\nrisk:\n  mode: loud\n', from: new Date(START_MS).toISOString(), to: new Date(END_MS).toISOString() },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'TG_REQUEST_INVALID',
      field: 'policy',
      details: { errors: [{ line: 3, path: 'risk.mode' }] },
    });
  });

  it('refuses a range over 48 hours', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/policy/backtest',
      headers: server.auth('operate'),
      payload: { policy: POLICY_TEXT, from: new Date(START_MS).toISOString(), to: new Date(START_MS + 49 * HOUR_MS).toISOString() },
    });
    expect(res.json().error).toMatchObject({ code: 'TG_REQUEST_INVALID', field: 'from' });
  });
});
