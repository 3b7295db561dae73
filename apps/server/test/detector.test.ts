/**
 * The detector end to end through the real store: simulated history and a pumping burst go through
 * the ingest pipeline, a detection cycle finds the burst at the pumped prefix, the breaker policy
 * trips a breaker for it, the anomaly is served by the API, a campaign running at the same time is
 * left alone, and a restarted detector continues the same anomaly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, loadSimulatedTraffic } from '@tollgate/simulator';
import type { AutoTripOutcome } from '../src/detection-runtime.ts';
import type { AnomalyChange } from '@tollgate/detector';
import { detectionRuntime } from './support/detection-watch.ts';
import { openTestServer, TEST_ADMIN_KEY } from './support/test-server.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-24T10:00:00Z');
const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

describe('detector through the store', () => {
  let server: Awaited<ReturnType<typeof openTestServer>>;
  let changes: AnomalyChange[];
  let trips: AutoTripOutcome[];

  beforeAll(async () => {
    server = await openTestServer('detector', { keepData: true });
    const startMs = T0 - 2 * 24 * 60 * MINUTE;
    const simulator = createSimulator({
      seed: 5,
      startMs,
      sendsPerMinute: 20,
      scenarios: [
        { kind: 'burst_pumping', startMs: T0 - 20 * MINUTE, durationMs: 2 * 60 * MINUTE, countries: ['UZ'], sendsPerMinute: 60 },
        { kind: 'marketing_campaign', startMs: T0 - 40 * MINUTE, durationMs: 60 * MINUTE, country: 'BR', multiplier: 3 },
      ],
    });
    await loadSimulatedTraffic({ ingestor: server.core.ingestor, simulator, fromMs: startMs, toMs: T0 });
    ({ changes, trips } = await detectionRuntime(server, () => T0).runCycle());
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  const burst = () =>
    changes.find((c) => c.change === 'opened' && c.anomaly.scope.country === 'UZ' && c.anomaly.scope.prefix !== undefined);

  it('finds the burst at the pumped prefix and suggests a block', () => {
    const found = burst();
    // The simulator's burst picks a prefix; if the history never sent to it, it is a new destination.
    expect(['volume_spike', 'new_destination']).toContain(found?.anomaly.kind);
    expect(found?.anomaly).toMatchObject({ action: 'block', state: 'open' });
    expect(found?.anomaly.costPerHourUsd).toBeGreaterThan(0);
    expect(found?.anomaly.contributors.some((c) => c.dimension === 'asn' && c.label?.includes('hosting'))).toBe(true);
  });

  it('trips a breaker for it through the policy', () => {
    const id = burst()?.anomaly.id;
    const trip = trips.find((t) => t.anomalyId === id);
    expect(trip, JSON.stringify(trip)).toMatchObject({ outcome: 'tripped' });
    const breaker = server.decisions.registry.list().find((b) => b.reason.kind === 'anomaly' && b.reason.anomalyId === id);
    expect(breaker).toMatchObject({ state: 'open', scope: { country: 'UZ', prefix: burst()?.anomaly.scope.prefix } });
  });

  it('leaves the campaign without a block or challenge', () => {
    const onBrazil = changes.filter((c) => c.anomaly.scope.country === 'BR');
    expect(onBrazil.every((c) => c.anomaly.action === 'alert')).toBe(true);
  });

  it('serves the anomaly and its evidence series', async () => {
    const id = burst()?.anomaly.id as string;
    const list = await server.app.inject({ method: 'GET', url: '/v1/anomalies?state=open&country=UZ', headers: auth });
    expect(list.statusCode).toBe(200);
    expect(list.json().anomalies.map((a: { id: string }) => a.id)).toContain(id);
    const one = await server.app.inject({ method: 'GET', url: `/v1/anomalies/${id}`, headers: auth });
    expect(one.statusCode).toBe(200);
    const body = one.json();
    expect(body.anomaly).toMatchObject({ id, kind: burst()?.anomaly.kind });
    expect(body.series.length).toBeGreaterThan(30);
    expect(Math.max(...body.series.map((p: { observed: number }) => p.observed))).toBeGreaterThan(30);
  });

  it('continues the same anomaly after a restart instead of opening a second one', async () => {
    const id = burst()?.anomaly.id;
    const again = await detectionRuntime(server, () => T0 + MINUTE).runCycle();
    const same = again.changes.filter((c) => c.anomaly.key === burst()?.anomaly.key);
    expect(same.length).toBeGreaterThan(0);
    expect(same.every((c) => c.change !== 'opened' && c.anomaly.id === id)).toBe(true);
    // The breaker already stands: no second one.
    expect(again.trips.filter((t) => t.outcome === 'tripped')).toEqual([]);
  });

  it('keeps the addresses it read at the opening through later updates', async () => {
    const id = burst()?.anomaly.id as string;
    const opened = burst()?.anomaly.contributors.filter((c) => c.dimension === 'ip') ?? [];
    expect(opened.length).toBeGreaterThan(0);
    // The restarted detector of the test above rewrote the anomaly as updated, not escalated.
    const one = await server.app.inject({ method: 'GET', url: `/v1/anomalies/${id}`, headers: auth });
    const stored = one.json().anomaly.contributors.filter((c: { dimension: string }) => c.dimension === 'ip');
    expect(stored.map((c: { value: string }) => c.value)).toEqual(opened.map((c) => c.value));
  });
});
