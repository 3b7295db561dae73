/**
 * delivery_latency through the real store: simulated traffic (a provider slowing down in one
 * country on the third day) goes through the ingest pipeline, a detection runtime watches on event
 * time with alert routing on the shipped rules, and the slowdown must reach the messaging-vendor
 * owner while the usual latency noise of the hours before raises nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Anomaly } from '@tollgate/detector';
import { createSimulator, loadSimulatedTraffic } from '@tollgate/simulator';
import { createDetectionRuntime } from '../src/detection-runtime.ts';
import { openTestServer, type TestServer } from './support/test-server.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A Monday: two days of history give every hour of Wednesday two earlier samples. */
const HISTORY_START = Date.parse('2026-11-16T00:00:00Z');
const WEDNESDAY = Date.parse('2026-11-18T00:00:00Z');
/** 08:00 in the US (UTC-6), where twilio carries most messages. */
const SLOW_FROM = WEDNESDAY + 14 * HOUR;
const SLOW_FOR = HOUR;
const QUIET_FROM = WEDNESDAY + 8 * HOUR;
const HISTORY_END = SLOW_FROM + SLOW_FOR;
/** The cron runs every 20 s; ten minutes of event time per cycle keeps the test short. */
const CYCLE_MS = 10 * MINUTE;

const describeAll = (list: Anomaly[]) => list.map((a) => `${a.kind}:${a.action} ${JSON.stringify(a.scope)} ${a.summary}`).join('\n');

describe('delivery_latency through the store', () => {
  let server: TestServer;
  const anomalies = new Map<string, Anomaly>();
  const quietLatency: Anomaly[] = [];

  beforeAll(async () => {
    server = await openTestServer('delivery-latency');
    const simulator = createSimulator({
      seed: 29,
      startMs: HISTORY_START,
      sendsPerMinute: 24,
      scenarios: [
        { kind: 'provider_slowdown', startMs: SLOW_FROM, durationMs: SLOW_FOR, provider: 'twilio', country: 'US', delayFactor: 6 },
      ],
    });
    await loadSimulatedTraffic({ ingestor: server.core.ingestor, simulator, fromMs: HISTORY_START, toMs: HISTORY_END });
    let nowMs = QUIET_FROM;
    const runtime = createDetectionRuntime({
      store: server.core.store,
      registry: server.decisions.registry,
      clock: () => nowMs,
      onChanges: (changes) => server.alerting.observe(changes),
      onError: (error) => {
        throw error;
      },
    });
    for (; nowMs <= HISTORY_END; nowMs += CYCLE_MS) {
      for (const change of (await runtime.runCycle()).changes) {
        anomalies.set(change.anomaly.id, change.anomaly);
        if (change.anomaly.kind === 'delivery_latency' && change.anomaly.openedAt < SLOW_FROM) quietLatency.push(change.anomaly);
      }
    }
  }, 240_000);

  afterAll(async () => {
    await server?.close();
  });

  it('raises nothing on the usual latency of the six hours before', () => {
    expect(quietLatency, describeAll(quietLatency)).toEqual([]);
  });

  it('alerts on twilio in the US, and only there, once it slows down', () => {
    const latency = [...anomalies.values()].filter((a) => a.kind === 'delivery_latency');
    expect(
      latency.map((a) => [a.scope, a.action]),
      describeAll(latency),
    ).toEqual([[{ provider: 'twilio', country: 'US' }, 'alert']]);
    const [slow] = latency as [Anomaly];
    expect(slow.openedAt).toBeGreaterThanOrEqual(SLOW_FROM);
    expect(slow.observed).toBeGreaterThan(2 * slow.expected);
    // The simulator's receipts carry no network code: no carrier to name.
    expect(slow.contributors).toEqual([]);
  });

  it('opens a delivery incident for the messaging-vendor owner, with the evidence series', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/incidents?kind=delivery_latency', headers: server.auth('read') });
    expect(res.statusCode).toBe(200);
    const incidents = res.json().incidents as { owner: string; category: string; kinds: string[] }[];
    expect(incidents.map((i) => [i.owner, i.category, i.kinds])).toEqual([['messaging-vendor', 'delivery', ['delivery_latency']]]);
    const [slow] = [...anomalies.values()].filter((a) => a.kind === 'delivery_latency') as [Anomaly];
    const stored = (await server.app.inject({ method: 'GET', url: `/v1/anomalies/${slow.id}`, headers: server.auth('read') })).json();
    const during = (stored.series as { ts: number | string; observed: number; expected?: number }[]).filter(
      (p) => new Date(p.ts).getTime() >= SLOW_FROM,
    );
    expect(during.length).toBeGreaterThan(0);
    expect(during.some((p) => p.expected !== undefined && p.observed > 2 * p.expected)).toBe(true);
  });
});
