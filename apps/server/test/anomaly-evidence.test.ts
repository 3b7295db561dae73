import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAnomalyRecord, type Anomaly } from '@tollgate/detector';
import { saveAnomalies } from '@tollgate/store';
import { openTestServer, type TestServer } from './support/test-server.ts';

const OPENED_AT = Date.parse('2026-11-18T09:00:00Z');
const MINUTE = 60_000;

/**
 * A scope seen for the first time has minutes before any baseline: its evidence series carries
 * the observed sends alone, and the anomaly must still be readable (the page draws no band there).
 */
function firstSightAnomaly(): Anomaly {
  const key = 'volume_spike:app=acme-web country=KG prefix=+99670';
  return {
    id: 'an_0123456789abcdef0123',
    key,
    kind: 'volume_spike',
    scope: { app: 'acme-web', country: 'KG', prefix: '+99670' },
    severity: 'high',
    action: 'block',
    score: 9.2,
    observed: 14,
    expected: 0.2,
    band: { low: 0, high: 2 },
    unit: 'sends',
    costPerHourUsd: 12.5,
    windowStartMs: OPENED_AT - 5 * MINUTE,
    windowEndMs: OPENED_AT,
    summary: 'sends to KG +99670 at 70x their usual level',
    contributors: [],
    facts: {},
    state: 'open',
    openedAt: OPENED_AT,
    updatedAt: OPENED_AT,
    lastSeenAt: OPENED_AT,
    series: [
      { ts: OPENED_AT - 2 * MINUTE, observed: 3 },
      { ts: OPENED_AT - MINUTE, observed: 5, expected: 0.2, low: 0, high: 2 },
    ],
  };
}

describe('GET /v1/anomalies/:id with minutes before a baseline', () => {
  let server: TestServer;
  const anomaly = firstSightAnomaly();

  beforeAll(async () => {
    server = await openTestServer('anomaly-evidence');
    await saveAnomalies(server.core.store, [toAnomalyRecord(anomaly)]);
  });
  afterAll(() => server.close());

  it('answers the series with the band only where there was one', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/v1/anomalies/${anomaly.id}`, headers: server.auth('read') });
    expect(res.statusCode).toBe(200);
    const { series } = res.json() as { series: Record<string, unknown>[] };
    expect(series).toHaveLength(2);
    expect(series[0]).toEqual({ ts: OPENED_AT - 2 * MINUTE, observed: 3 });
    expect(series[1]).toMatchObject({ observed: 5, expected: 0.2, low: 0, high: 2 });
  });
});
