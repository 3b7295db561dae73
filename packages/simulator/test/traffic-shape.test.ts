import { beforeAll, describe, expect, it } from 'vitest';
import { COUNTRIES, createSimulator, DEFAULT_SENDS_PER_MINUTE, type SimSend } from '../src/index.ts';
import { HOSTING_NETWORKS } from '../src/catalog/networks.catalog.ts';
import { countBy, DAY_MS, HOUR_MS, MINUTE_MS, MONDAY_MS } from './support/traffic-stats.ts';

/** Late consequences of the day's last sends: billing lags up to 6 h, sessions a few minutes. */
const TAIL_MS = 6 * HOUR_MS + 15 * MINUTE_MS;
/** Countries with at least this many sessions a day are judged on their own conversion. */
const MIN_SESSIONS_FOR_COUNTRY_CONVERSION = 2_000;
const DAY_END_MS = MONDAY_MS + DAY_MS;
const HOSTING_ASNS = new Set(HOSTING_NETWORKS.map((block) => block.asn));

/**
 * What the assertions need from a simulated day, gathered while streaming: keeping the 1.4 million
 * events themselves would cost half a gigabyte.
 */
interface DayDigest {
  sends: SimSend[];
  sessionCountry: Map<string, string>;
  sessionStartMs: Map<string, number>;
  convertedSessions: Set<string>;
  sessionsWithTypo: Set<string>;
  verifyDelaysMs: number[];
  receiptAtMs: Map<string, number>;
  receiptStatuses: Map<string, number>;
  bills: Map<string, { ts: number; cost: number }>;
}

function digestDay(): DayDigest {
  const sim = createSimulator({ seed: 2025, startMs: MONDAY_MS });
  const digest: DayDigest = {
    sends: [],
    sessionCountry: new Map(),
    sessionStartMs: new Map(),
    convertedSessions: new Set(),
    sessionsWithTypo: new Set(),
    verifyDelaysMs: [],
    receiptAtMs: new Map(),
    receiptStatuses: new Map(),
    bills: new Map(),
  };
  const failedVerify = new Set<string>();
  for (const event of sim.generate(MONDAY_MS, DAY_END_MS + TAIL_MS)) {
    const { kind, body } = event;
    if (kind === 'send') {
      if (body.ts >= DAY_END_MS) continue;
      digest.sends.push(body);
      if (!digest.sessionStartMs.has(body.session_id)) {
        digest.sessionStartMs.set(body.session_id, body.ts);
        digest.sessionCountry.set(body.session_id, body.country ?? '');
      }
    } else if (kind === 'verify') {
      const startMs = digest.sessionStartMs.get(body.session_id);
      if (startMs === undefined) continue;
      digest.verifyDelaysMs.push(body.ts - startMs);
      if (!body.success) failedVerify.add(body.session_id);
      else {
        digest.convertedSessions.add(body.session_id);
        if (failedVerify.has(body.session_id)) digest.sessionsWithTypo.add(body.session_id);
      }
    } else if (kind === 'receipt') {
      digest.receiptAtMs.set(body.message_id, body.ts);
      digest.receiptStatuses.set(body.status, (digest.receiptStatuses.get(body.status) ?? 0) + 1);
    } else {
      digest.bills.set(body.event_id, { ts: body.ts, cost: body.cost });
    }
  }
  return digest;
}

function conversion(day: DayDigest, iso?: string): { sessions: number; conversion: number } {
  let sessions = 0;
  let converted = 0;
  for (const [sessionId, country] of day.sessionCountry) {
    if (iso !== undefined && country !== iso) continue;
    sessions += 1;
    if (day.convertedSessions.has(sessionId)) converted += 1;
  }
  return { sessions, conversion: converted / sessions };
}

let day: DayDigest;

describe('healthy traffic over one day', () => {
  beforeAll(() => {
    day = digestDay();
  });

  it('sends about the default rate (a Monday, slightly above the weekly mean)', () => {
    const perMinute = day.sends.length / (DAY_MS / MINUTE_MS);
    expect(perMinute).toBeGreaterThan(DEFAULT_SENDS_PER_MINUTE * 0.95);
    expect(perMinute).toBeLessThan(DEFAULT_SENDS_PER_MINUTE * 1.15);
  });

  it('converts 80-93% of sessions overall', () => {
    expect(conversion(day).conversion).toBeGreaterThan(0.8);
    expect(conversion(day).conversion).toBeLessThan(0.93);
  });

  it.each(COUNTRIES.filter((country) => country.trafficShare >= 1).map((country) => [country.iso]))(
    'converts %s sessions within the legit range',
    (iso) => {
      const stats = conversion(day, iso);
      expect(stats.sessions).toBeGreaterThan(MIN_SESSIONS_FOR_COUNTRY_CONVERSION);
      expect(stats.conversion).toBeGreaterThan(0.79);
      expect(stats.conversion).toBeLessThan(0.94);
    },
  );

  it('spreads traffic over about 30 countries led by the big markets', () => {
    const byCountry = countBy(day.sends, (send) => send.country ?? '');
    expect(byCountry.size).toBeGreaterThanOrEqual(30);
    const ranked = [...byCountry].sort((a, b) => b[1] - a[1]).map(([iso]) => iso);
    expect(ranked.slice(0, 3)).toEqual(['US', 'IN', 'BR']);
    for (const iso of ['CL', 'PE', 'GH', 'NZ']) expect(byCountry.has(iso)).toBe(false);
  });

  it('fails about 1% of sends at the provider, with no message id and no cost', () => {
    const failed = day.sends.filter((send) => send.status === 'failed');
    expect(failed.length / day.sends.length).toBeGreaterThan(0.007);
    expect(failed.length / day.sends.length).toBeLessThan(0.013);
    expect(failed.every((send) => send.message_id === undefined && send.cost === 0)).toBe(true);
  });

  it('gives every accepted send a receipt seconds later and a billing line 5 min to 6 h later', () => {
    const accepted = day.sends.filter((send) => send.status === 'accepted');
    const late: string[] = [];
    let billedAsEstimated = 0;
    for (const send of accepted) {
      const messageId = send.message_id ?? '';
      const receiptDelayMs = (day.receiptAtMs.get(messageId) ?? Infinity) - send.ts;
      const bill = day.bills.get(messageId);
      const billDelayMs = (bill?.ts ?? Infinity) - send.ts;
      if (receiptDelayMs > MINUTE_MS || billDelayMs < 5 * MINUTE_MS || billDelayMs > 6 * HOUR_MS) late.push(messageId);
      if (bill?.cost === send.cost) billedAsEstimated += 1;
    }
    expect(late).toEqual([]);
    expect(billedAsEstimated / accepted.length).toBeGreaterThan(0.97);
    expect(billedAsEstimated).toBeLessThan(accepted.length);
  });

  it('delivers most messages and reports a few percent undelivered or failed', () => {
    const total = [...day.receiptStatuses.values()].reduce((sum, count) => sum + count, 0);
    const lost = ((day.receiptStatuses.get('undelivered') ?? 0) + (day.receiptStatuses.get('failed') ?? 0)) / total;
    expect(lost).toBeGreaterThan(0.01);
    expect(lost).toBeLessThan(0.06);
  });

  it('verifies seconds to a few minutes after the session starts, with resends and typos', () => {
    const delays = day.verifyDelaysMs;
    expect(delays.reduce((min, delay) => Math.min(min, delay), Infinity)).toBeGreaterThanOrEqual(4_000);
    expect(delays.reduce((max, delay) => Math.max(max, delay), 0)).toBeLessThan(10 * MINUTE_MS);
    const sessions = day.sessionStartMs.size;
    const resent = [...countBy(day.sends, (send) => send.session_id).values()].filter((count) => count > 1).length;
    expect(resent / sessions).toBeGreaterThan(0.03);
    expect(resent / sessions).toBeLessThan(0.12);
    expect(day.sessionsWithTypo.size / sessions).toBeGreaterThan(0.03);
  });

  it('sends mostly SMS from residential networks, over all apps, flows and providers', () => {
    const { sends } = day;
    const sms = sends.filter((send) => send.channel === 'sms').length;
    const hosting = sends.filter((send) => HOSTING_ASNS.has(send.asn ?? 0)).length;
    expect(sms / sends.length).toBeGreaterThan(0.95);
    expect(hosting / sends.length).toBeGreaterThan(0.01);
    expect(hosting / sends.length).toBeLessThan(0.05);
    expect([...countBy(sends, (send) => send.app).keys()].sort()).toEqual(['bank', 'shop', 'social']);
    expect([...countBy(sends, (send) => send.flow).keys()].sort()).toEqual(['login', 'recovery', 'signup', 'step_up']);
    expect([...countBy(sends, (send) => send.provider).keys()].sort()).toEqual(['sinch', 'twilio', 'vonage']);
  });

  it.each([
    ['US', 0.0083],
    ['GB', 0.04],
    ['DE', 0.08],
    ['IN', 0.005],
    ['ID', 0.35],
  ])('prices a Twilio SMS to %s at its list price (%f USD)', (iso, priceUsd) => {
    const send = day.sends.find(
      (candidate) => candidate.country === iso && candidate.provider === 'twilio' && candidate.channel === 'sms' && candidate.cost > 0,
    );
    expect(send?.cost).toBeCloseTo(priceUsd, 4);
  });
});
