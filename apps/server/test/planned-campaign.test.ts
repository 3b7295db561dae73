/**
 * A declared campaign through the real store: the simulator runs a marketing campaign in Brazil and,
 * inside the same scope, a pumping burst. Replayed without the planned event, the campaign's volume
 * is a finding; with it declared (three times the usual, country BR), the campaign raises no volume
 * finding, and the attack inside its scope is still caught.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, loadSimulatedTraffic } from '@tollgate/simulator';
import { runBacktest, toPlannedEventRecord, type BacktestFinding } from '@tollgate/detector';
import { savePlannedEvent } from '@tollgate/store';
import { openTestServer, type TestServer } from './support/test-server.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-11-24T14:00:00Z');
const CAMPAIGN_START = T0 - 60 * MINUTE;
const ATTACK_START = T0 - 25 * MINUTE;

let server: TestServer;
let without: BacktestFinding[];
let withPlan: BacktestFinding[];

const inBrazil = (findings: BacktestFinding[]) => findings.filter((f) => f.scope.country === 'BR');
const countryVolume = (findings: BacktestFinding[]) =>
  inBrazil(findings).filter((f) => f.kind === 'volume_spike' && f.scope.prefix === undefined && f.ts < ATTACK_START);

beforeAll(async () => {
  server = await openTestServer('planned-campaign');
  // Three days: a volume spike is judged against the same hour on two earlier days (the last hours'
  // level serves only once the history holds two whole days).
  const startMs = T0 - 3 * 24 * 60 * MINUTE;
  const simulator = createSimulator({
    seed: 12,
    startMs,
    sendsPerMinute: 20,
    scenarios: [
      { kind: 'marketing_campaign', startMs: CAMPAIGN_START, durationMs: 3 * 60 * MINUTE, country: 'BR', multiplier: 3 },
      { kind: 'burst_pumping', startMs: ATTACK_START, durationMs: 60 * MINUTE, countries: ['BR'], sendsPerMinute: 60 },
    ],
  });
  await loadSimulatedTraffic({ ingestor: server.core.ingestor, simulator, fromMs: startMs, toMs: T0 });
  const replay = async () => (await runBacktest({ store: server.core.store, fromMs: CAMPAIGN_START - 30 * MINUTE, toMs: T0 })).findings;
  without = await replay();
  await savePlannedEvent(
    server.core.store,
    toPlannedEventRecord(
      {
        id: 'plan_test',
        kind: 'campaign',
        scope: { country: 'BR' },
        startsAt: CAMPAIGN_START - 10 * MINUTE,
        endsAt: T0 + 3 * 60 * MINUTE,
        volumeMultiplier: 3,
        note: 'Black Friday push in Brazil',
        author: 'growth',
        createdAt: CAMPAIGN_START - 24 * 60 * MINUTE,
      },
      1,
    ),
  );
  withPlan = await replay();
}, 180_000);

afterAll(() => server?.close());

describe('a planned campaign', () => {
  it('is a volume finding when nobody declared it', () => {
    expect(countryVolume(without).length).toBeGreaterThan(0);
  });

  it('raises no volume finding once declared', () => {
    expect(countryVolume(withPlan)).toEqual([]);
  });

  it('is no cover for pumping inside its scope: the attack is still caught with a block or challenge', () => {
    const caught = inBrazil(withPlan).filter((f) => f.ts >= ATTACK_START && (f.action === 'block' || f.action === 'challenge'));
    expect(caught.length, JSON.stringify(inBrazil(withPlan))).toBeGreaterThan(0);
  });
});
