/**
 * A named farm's addresses through the real store and the live detector: a detector restarted
 * while a farm's KW prefix is blocked reads the farm's addresses from the raw sends, and names a QA
 * prefix that one of them sends a session into, listing the address. The same session into BH
 * from another address of the same network, in the same minutes, is not named.
 *
 * A store of a few hundred sessions cannot make one session rare at the default level (what the
 * country usually brings is priced against at least 1 % of a week's verified sessions from
 * hosting networks), so the farm test's level is raised to 10^-2 here; the engine tests price it
 * at the default level on a week of millions of sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRows, saveAnomalies, type Store } from '@tollgate/store';
import { openTempStore, sendRow, verifyOf } from '@tollgate/store/testing';
import { anomalyId, anomalyKey, type Anomaly } from '../src/anomaly.ts';
import { createLiveDetector, DEFAULT_DETECTOR_CONFIG, toAnomalyRecord, type AnomalyChange } from '../src/index.ts';

/** The rows the collectors write, as the store takes them. */
type SendRow = Parameters<typeof insertRows<'send'>>[2][number];
type VerifyRow = Parameters<typeof insertRows<'verify'>>[2][number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = Date.parse('2026-11-25T10:00:00Z');
const CONFIG = { ...DEFAULT_DETECTOR_CONFIG, farmExitAlpha: 1e-2 };
const KW = { country: 'KW', prefix: '+965 5' };
const QA = { country: 'QA', prefix: '+974 3' };
const BH = { country: 'BH', prefix: '+973 3' };
const FARM_IP = '146.70.21.122';
const FARM = { asn: 9009, asn_hosting: 1 as const, ip: FARM_IP, ip_subnet: '146.70.21.0/24' };

/** A QA subscriber's send from a home network, as the collectors store it: tests change what they are about. */
function send(id: string, ts: number, fields: Partial<SendRow>): SendRow {
  return sendRow(id, ts, {
    app: 'social',
    flow: 'signup',
    block_hash: `b-${id}`,
    country: 'QA',
    prefix: '+974 3',
    ip: '81.2.69.160',
    ip_subnet: '81.2.69.0/24',
    asn: 8781,
    asn_org: 'home',
    cost: 0.3,
    cost_usd: 0.3,
    ...fields,
  });
}

/** The session of `of`, verified 20 s after its send from the same address. */
function verified(of: SendRow): VerifyRow {
  return { ...verifyOf(`v-${of.event_id}`, of, of.ts + 20_000, 1), ip: of.ip, ip_subnet: of.ip_subnet };
}

/** The farm's blocked KW prefix, as a detector stopped mid-attack stored it. */
function farmAnomaly(): Anomaly {
  const finding = { kind: 'volume_spike' as const, scope: KW };
  const key = anomalyKey(finding);
  return {
    ...finding,
    severity: 'high',
    action: 'block',
    score: 9,
    observed: 30,
    expected: 0.01,
    band: { low: 0, high: 0.05 },
    unit: 'unverified sessions in 10 min',
    costPerHourUsd: 54,
    windowStartMs: NOW - 20 * MINUTE,
    windowEndMs: NOW - 2 * MINUTE,
    summary: 'KW +965 5: 30 unverified sessions in 10 min from hosting networks',
    contributors: [{ dimension: 'asn', value: '9009', count: 30, share: 1, label: 'hosting' }],
    facts: {},
    id: anomalyId(key, NOW - 15 * MINUTE),
    key,
    state: 'open',
    openedAt: NOW - 15 * MINUTE,
    updatedAt: NOW - 2 * MINUTE,
    lastSeenAt: NOW - 2 * MINUTE,
    series: [],
  };
}

/**
 * A store with a week of KW, QA and BH people verifying every hour, the farm's sessions into
 * KW over the blocked window, then one session into QA from the farm's address and one into BH from
 * its neighbour on the same network; one live cycle of a detector restarted after that.
 */
async function cycle(store: Store): Promise<AnomalyChange[]> {
  const people: SendRow[] = [];
  for (let ts = NOW - 8 * 24 * HOUR, i = 0; ts < NOW - HOUR; ts += HOUR, i += 1) {
    people.push(send(`qa${i}`, ts, QA), send(`kw${i}`, ts + MINUTE, KW), send(`bh${i}`, ts + 2 * MINUTE, BH));
  }
  const farm = Array.from({ length: 18 }, (_, i) => send(`farm${i}`, NOW - 20 * MINUTE + i * MINUTE, { ...KW, ...FARM }));
  const last = [
    send('qa', NOW - 2 * MINUTE + 5_000, { ...QA, ...FARM }),
    send('bh', NOW - 2 * MINUTE + 6_000, { ...BH, ...FARM, ip: '146.70.21.77' }),
  ];
  await insertRows(store, 'send', [...people, ...farm, ...last]);
  await insertRows(store, 'verify', people.map(verified));
  await saveAnomalies(store, [toAnomalyRecord(farmAnomaly())]);
  return createLiveDetector({ store, clock: () => NOW + 10_000, config: CONFIG }).runCycle();
}

const fromAddresses = (c: AnomalyChange) => c.change === 'opened' && c.anomaly.facts.signal === 'unverified_sessions_from_farm_addresses';

describe('a named farm’s addresses through the store', () => {
  let changes: AnomalyChange[];
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    const temp = await openTempStore('farm-addresses-live');
    dispose = temp.dispose;
    changes = await cycle(temp.store);
  }, 120_000);

  afterAll(async () => {
    await dispose?.();
  });

  it("name the other country's prefix at one session from the farm's address, listing it", () => {
    const found = changes.find((c) => fromAddresses(c) && c.anomaly.scope.country === 'QA');
    expect(found?.anomaly.scope).toEqual(QA);
    expect(found?.anomaly.action).toBe('block');
    expect(found?.anomaly.facts).toMatchObject({ farmCountries: 'KW', countrySessions: 1, addresses: 1 });
    expect(found?.anomaly.contributors.filter((c) => c.dimension === 'ip').map((c) => c.value)).toEqual([FARM_IP]);
  });

  it('do not name another country from another address of the same network', () => {
    expect(changes.filter((c) => c.anomaly.scope.country === 'BH')).toEqual([]);
  });
});
