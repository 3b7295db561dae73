/**
 * The asn_concentration kind on the pure engine: a week in which hosting networks carry 1% of a
 * flow's sends, then half an hour at the usual volume and conversion in which one hosting ASN (an
 * account farm on rented servers, verifying its codes) carries most of them, against the same half
 * hour with the usual mix. Volume and conversion stay put, so no destination finding explains it.
 */
import { describe, expect, it } from 'vitest';
import type { AsnProfile, DetectorTrafficRow } from '@tollgate/store';
import { createDetectionEngine, DEFAULT_DETECTOR_CONFIG, type Finding } from '../src/index.ts';
import { cellOf } from '../src/detection-engine.ts';
import { SCOPE_LEVELS } from '../src/scope.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-11-25T12:00:00Z');
const RESIDENTIAL = 12_345;
const BOT_FARM = 14_061;
const OTHER_HOSTING = 16_509;
const PROFILES: AsnProfile[] = [
  { asn: RESIDENTIAL, org: 'A mobile carrier', hosting: false },
  { asn: BOT_FARM, org: 'DigitalOcean, LLC', hosting: true },
  { asn: OTHER_HOSTING, org: 'Amazon.com, Inc.', hosting: true },
];
const SCOPE = { app: 'social', flow: 'signup', country: 'GB', prefix: '+44 740', provider: 'twilio' };
const COST_PER_SEND_USD = 0.05;

function counters(
  sends: number,
  verifiedShare: number,
): Omit<DetectorTrafficRow, 'ts' | 'app' | 'flow' | 'country' | 'prefix' | 'asn' | 'provider'> {
  const verified = Math.round(sends * verifiedShare);
  return {
    sends,
    failed_sends: 0,
    sessions: sends,
    verified_sessions: verified,
    verify_attempts: verified,
    verify_failures: 0,
    cost_est_usd: sends * COST_PER_SEND_USD,
    cost_billed_usd: 0,
    billed_messages: 0,
    receipts_delivered: sends,
    receipts_failed: 0,
  };
}

const VERIFIED_SHARE = 0.8;
const SENDS_PER_HOUR = 600;
/** A row of traffic of the flow from one ASN (0: every ASN), as the store's detector query returns it (an hour or a minute). */
const row = (ts: number, asn: number, sends: number): DetectorTrafficRow => ({ ts, ...SCOPE, asn, ...counters(sends, VERIFIED_SHARE) });

/** A week of usual hours (99% residential), then `minutes` of the given per-minute mix, stepping each minute. */
function run(perMinute: { residential: number; botFarm: number; otherHosting: number }, minutes = 30): Finding[] {
  const engine = createDetectionEngine(DEFAULT_DETECTOR_CONFIG);
  engine.addAsnProfiles(PROFILES);
  const byAsn: DetectorTrafficRow[] = [];
  const whole: DetectorTrafficRow[] = [];
  for (let h = T0 - 7 * DAY; h < T0; h += HOUR) {
    byAsn.push(row(h, RESIDENTIAL, SENDS_PER_HOUR * 0.99), row(h, OTHER_HOSTING, SENDS_PER_HOUR * 0.01));
    whole.push(row(h, 0, SENDS_PER_HOUR));
  }
  for (const level of SCOPE_LEVELS) engine.setHours(level, level === 'asn' ? byAsn : whole);
  engine.markHistory(T0 - 7 * DAY, T0);
  let findings: Finding[] = [];
  for (let i = 0; i < minutes; i += 1) {
    const ts = T0 + i * MINUTE;
    engine.setMinute(ts, {
      cells: [
        row(ts, RESIDENTIAL, perMinute.residential),
        row(ts, BOT_FARM, perMinute.botFarm),
        row(ts, OTHER_HOSTING, perMinute.otherHosting),
      ].map(cellOf),
    });
    findings = engine.step(ts + MINUTE).findings;
  }
  return findings.filter((finding) => finding.kind === 'asn_concentration');
}

describe('asn_concentration', () => {
  it('fires when one hosting ASN suddenly carries most of a flow, scoped to that ASN, asking for a challenge', () => {
    const [finding, ...others] = run({ residential: 3, botFarm: 6, otherHosting: 1 });
    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      kind: 'asn_concentration',
      action: 'challenge',
      scope: { app: 'social', flow: 'signup', asn: BOT_FARM },
      expected: expect.closeTo(0.01, 3),
      unit: 'share of sends from hosting networks',
    });
    expect(finding!.observed).toBeCloseTo(0.7, 3);
    expect(finding!.contributors[0]).toMatchObject({ value: String(BOT_FARM) });
  });

  it('keeps the flow as the scope when the hosting traffic is spread over several ASNs', () => {
    const [finding] = run({ residential: 3, botFarm: 4, otherHosting: 3 });
    expect(finding).toMatchObject({ kind: 'asn_concentration', scope: { app: 'social', flow: 'signup' } });
    expect(finding!.scope).not.toHaveProperty('asn');
  });

  it('stays quiet at the usual share of hosting traffic', () => {
    expect(run({ residential: 9.9, botFarm: 0, otherHosting: 0.1 })).toEqual([]);
  });

  it.each([
    [29, 0],
    [31, 1],
  ])(
    'with %i hosting sends in the half hour (nearly all of a quiet flow) raises %i finding: 30 is the least that matters',
    (hostingSends, count) => {
      expect(run({ residential: 0.03, botFarm: hostingSends / 30, otherHosting: 0 })).toHaveLength(count);
    },
  );
});
