import { describe, expect, it } from 'vitest';
import { createSimulator, type ScenarioSpec, type SimEvent, type SimSend } from '../src/index.ts';
import { HOSTING_NETWORKS } from '../src/catalog/networks.catalog.ts';
import { collect, countBy, HOUR_MS, MINUTE_MS, MONDAY_MS, sendsOf, sessionStats } from './support/traffic-stats.ts';

/** Scenarios start on Monday at 10:00 UTC: busy in Europe, Asia and the Americas alike. */
const START_MS = MONDAY_MS + 10 * HOUR_MS;
/** Room after a window for the last sessions to verify. */
const SETTLE_MS = 15 * MINUTE_MS;
const HOSTING_ASNS = new Set(HOSTING_NETWORKS.map((block) => block.asn));
const SEED = 99;

interface Run {
  spec: ScenarioSpec;
  /** Events with the scenario. */
  events: SimEvent[];
  /** The same seed and window without it. */
  baseline(): SimEvent[];
  labelled: SimEvent[];
  labelledSends: SimSend[];
}

function run(spec: ScenarioSpec): Run {
  const toMs = spec.startMs + spec.durationMs + SETTLE_MS;
  const events = collect(createSimulator({ seed: SEED, startMs: MONDAY_MS, scenarios: [spec] }), spec.startMs, toMs);
  const labelled = events.filter((event) => event.label !== undefined);
  return {
    spec,
    events,
    baseline: () => collect(createSimulator({ seed: SEED, startMs: MONDAY_MS }), spec.startMs, toMs),
    labelled,
    labelledSends: sendsOf(labelled),
  };
}

const during = (spec: ScenarioSpec, scope: (send: SimSend) => boolean) => (send: SimSend) =>
  send.ts >= spec.startMs && send.ts < spec.startMs + spec.durationMs && scope(send);

const inCountry = (iso: string) => (send: SimSend) => send.country === iso;

describe('attack scenarios', () => {
  it('burst_pumping: volume jumps in a premium prefix, conversion collapses, traffic from few hosting ASNs', () => {
    const { spec, events, baseline, labelledSends } = run({
      kind: 'burst_pumping',
      startMs: START_MS,
      durationMs: 30 * MINUTE_MS,
      countries: ['UZ'],
    });
    const attacked = sessionStats(events, during(spec, inCountry('UZ')));
    const normal = sessionStats(baseline(), during(spec, inCountry('UZ')));
    expect(attacked.sends).toBeGreaterThan(20 * Math.max(1, normal.sends));
    expect(attacked.conversion).toBeLessThan(0.05);
    expect(labelledSends.every((send) => HOSTING_ASNS.has(send.asn ?? 0))).toBe(true);
    expect(new Set(labelledSends.map((send) => send.asn)).size).toBeLessThanOrEqual(2);
    expect(new Set(labelledSends.map((send) => send.phone.slice(0, 7))).size).toBe(1);
  });

  it('burst_pumping: a farm that milks each session resends up to its sendsPerSession, at the same sends a minute', () => {
    const spec = (sendsPerSession?: number): ScenarioSpec => ({
      kind: 'burst_pumping',
      startMs: START_MS,
      durationMs: 60 * MINUTE_MS,
      countries: ['UZ'],
      sendsPerMinute: 30,
      ...(sendsPerSession === undefined ? {} : { sendsPerSession }),
    });
    const perSession = (run: Run) => {
      const sessions = countBy(run.labelledSends, (send) => send.session_id);
      return { sends: run.labelledSends.length, sessions: sessions.size, most: Math.max(...sessions.values()) };
    };
    const usual = perSession(run(spec()));
    const milked = perSession(run(spec(3)));
    expect(usual.sends / usual.sessions).toBeGreaterThan(1.1);
    expect(usual.sends / usual.sessions).toBeLessThan(1.4);
    expect(usual.most).toBe(2);
    expect(milked.sends / milked.sessions).toBe(3);
    // The same money at a third of the sessions: what counts sessions sees less.
    expect(milked.sends / usual.sends).toBeGreaterThan(0.85);
    expect(milked.sends / usual.sends).toBeLessThan(1.15);
    expect(milked.sessions / usual.sessions).toBeLessThan(0.5);
    // The default is the draws of before: the same seed's bursts send the same numbers.
    expect(run(spec(1.25)).labelledSends).toEqual(run(spec()).labelledSends);
    expect(() => run(spec(6))).toThrow(/sendsPerSession must be in \[1, 5\]/);
  });

  it('slow_ramp: the attack grows steadily, the last hour several times the first', () => {
    const { spec, labelledSends, events } = run({ kind: 'slow_ramp', startMs: START_MS, durationMs: 3 * HOUR_MS, country: 'TJ' });
    const inHour = (hour: number) =>
      labelledSends.filter((send) => send.ts >= spec.startMs + hour * HOUR_MS && send.ts < spec.startMs + (hour + 1) * HOUR_MS).length;
    expect(inHour(0)).toBeGreaterThan(0);
    expect(inHour(2)).toBeGreaterThan(3 * inHour(0));
    expect(sessionStats(events, during(spec, inCountry('TJ'))).conversion).toBeLessThan(0.1);
  });

  it("slow_ramp to a multiple of the country follows the country's clock and size in its first hour", () => {
    const firstHourSessions = (country: string, startMs: number) => {
      const spec: ScenarioSpec = {
        kind: 'slow_ramp',
        startMs,
        durationMs: 10 * HOUR_MS,
        country,
        spread: 'country',
        exits: 'residential',
        peakMultiplier: 8,
      };
      const events = collect(createSimulator({ seed: SEED, startMs: MONDAY_MS, scenarios: [spec] }), startMs, startMs + HOUR_MS);
      return sessionStats(events.filter((event) => event.label !== undefined)).sessions;
    };
    // Egypt (UTC+2) at 05:00 and at 11:00 local time; Brazil against Kenya at 11:00 local time.
    const egyptAtNight = firstHourSessions('EG', MONDAY_MS + 3 * HOUR_MS);
    const egyptByDay = firstHourSessions('EG', MONDAY_MS + 9 * HOUR_MS);
    expect(egyptByDay).toBeGreaterThan(2 * Math.max(1, egyptAtNight));
    expect(firstHourSessions('BR', MONDAY_MS + 14 * HOUR_MS)).toBeGreaterThan(3 * firstHourSessions('KE', MONDAY_MS + 8 * HOUR_MS));
  });

  it('low_and_slow: a trickle per country, spread over many countries, prefixes and residential ASNs', () => {
    const { spec, labelledSends } = run({ kind: 'low_and_slow', startMs: START_MS, durationMs: 2 * HOUR_MS });
    const perCountry = countBy(labelledSends, (send) => send.country ?? '');
    const minutes = spec.durationMs / MINUTE_MS;
    expect(perCountry.size).toBeGreaterThanOrEqual(8);
    expect(Math.max(...perCountry.values()) / minutes).toBeLessThan(2);
    expect(new Set(labelledSends.map((send) => send.asn)).size).toBeGreaterThanOrEqual(30);
    expect(new Set(labelledSends.map((send) => send.phone.slice(0, 8))).size).toBeGreaterThanOrEqual(30);
    expect(labelledSends.filter((send) => HOSTING_ASNS.has(send.asn ?? 0))).toEqual([]);
  });

  it('sequential_enumeration: consecutive numbers, most of one number block, never verified', () => {
    const { labelled, labelledSends } = run({
      kind: 'sequential_enumeration',
      startMs: START_MS,
      durationMs: HOUR_MS,
      country: 'KW',
      sendsPerMinute: 20,
    });
    const numbers = labelledSends.map((send) => Number(send.phone.slice(1))).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(numbers.length);
    const steps = numbers.slice(1).map((value, i) => value - (numbers[i] ?? 0));
    expect(steps.every((step) => step >= 1 && step <= 2)).toBe(true);
    const blocks = countBy(labelledSends, (send) => send.phone.slice(0, -3));
    expect(Math.max(...blocks.values())).toBeGreaterThanOrEqual(900);
    expect(labelled.filter((event) => event.kind === 'verify')).toEqual([]);
  });

  it('verify_bruteforce: dozens of failed codes per session, hundreds per IP, none right', () => {
    const { labelled } = run({ kind: 'verify_bruteforce', startMs: START_MS, durationMs: 20 * MINUTE_MS });
    const verifies = labelled.flatMap((event) => (event.kind === 'verify' ? [event.body] : []));
    expect(verifies.some((verify) => verify.success)).toBe(false);
    const perSession = countBy(verifies, (verify) => verify.session_id);
    expect(Math.min(...perSession.values())).toBeGreaterThanOrEqual(30);
    expect(Math.max(...countBy(verifies, (verify) => verify.ip ?? '').values())).toBeGreaterThanOrEqual(100);
  });
});

describe('look-alike scenarios', () => {
  it('marketing_campaign: volume multiplies in the country, conversion stays normal', () => {
    const { spec, events, baseline } = run({
      kind: 'marketing_campaign',
      startMs: START_MS,
      durationMs: HOUR_MS,
      country: 'BR',
      multiplier: 3,
    });
    const campaign = sessionStats(events, during(spec, inCountry('BR')));
    const normal = sessionStats(baseline(), during(spec, inCountry('BR')));
    expect(campaign.sends / normal.sends).toBeGreaterThan(2.2);
    expect(campaign.conversion).toBeGreaterThan(0.8);
    expect(campaign.conversion).toBeLessThan(0.93);
    expect(Math.abs(campaign.conversion - normal.conversion)).toBeLessThan(0.03);
  });

  it.each([
    ['undelivered', 'receipts say undelivered or failed'],
    ['send_failed', 'the provider rejects the sends'],
  ] as const)('provider_outage (%s): %s for the provider in the country, conversion drops', (mode, _consequence) => {
    const spec: ScenarioSpec = { kind: 'provider_outage', startMs: START_MS, durationMs: HOUR_MS, provider: 'twilio', country: 'US', mode };
    const { events, baseline: runBaseline } = run(spec);
    const baseline = runBaseline();
    const scope = during(spec, (send) => send.country === 'US' && send.provider === 'twilio');
    const lostShare = (list: SimEvent[]) => {
      const scopeSends = sendsOf(list).filter(scope);
      const messageIds = new Set(scopeSends.map((send) => send.message_id));
      const receipts = list.flatMap((event) => (event.kind === 'receipt' && messageIds.has(event.body.message_id) ? [event.body] : []));
      const lostReceipts = receipts.filter((receipt) => receipt.status !== 'delivered').length;
      const failedSends = scopeSends.filter((send) => send.status === 'failed').length;
      return (lostReceipts + failedSends) / scopeSends.length;
    };
    expect(lostShare(baseline)).toBeLessThan(0.05);
    expect(lostShare(events)).toBeGreaterThan(0.5);
    expect(sessionStats(baseline, scope).conversion).toBeGreaterThan(0.85);
    expect(sessionStats(events, scope).conversion).toBeLessThan(0.6);
    const otherProviders = during(spec, (send) => send.country === 'US' && send.provider !== 'twilio');
    expect(sessionStats(events, otherProviders).conversion).toBeGreaterThan(0.85);
  });

  it.each([
    [false, 'the bills double, the send-time estimates stay'],
    [true, 'the bills and the send-time estimates double together'],
  ] as const)('price_change (announced %s): %s, volume and conversion unchanged', (announced, _consequence) => {
    const spec: ScenarioSpec = {
      kind: 'price_change',
      startMs: START_MS,
      durationMs: HOUR_MS,
      provider: 'twilio',
      country: 'US',
      announced,
    };
    const { events, baseline: runBaseline, labelledSends } = run(spec);
    const baseline = runBaseline();
    const scope = during(spec, (send) => send.country === 'US' && send.provider === 'twilio');
    const money = (list: SimEvent[]) => {
      const sends = sendsOf(list).filter(scope);
      const ids = new Set(sends.map((send) => send.message_id));
      const billed = list.reduce((sum, e) => sum + (e.kind === 'billing' && ids.has(e.body.event_id) ? e.body.cost : 0), 0);
      return { sends: sends.length, estimated: sends.reduce((sum, send) => sum + send.cost, 0), billed };
    };
    const before = money(baseline);
    const after = money(events);
    expect(after.sends).toBe(before.sends);
    expect(after.billed / before.billed).toBeCloseTo(2, 1);
    expect(after.estimated / before.estimated).toBeCloseTo(announced ? 2 : 1, 1);
    expect(labelledSends.length).toBe(after.sends);
    const otherProviders = (list: SimEvent[]) =>
      sendsOf(list).filter(during(spec, (send) => send.country === 'US' && send.provider !== 'twilio'));
    expect(otherProviders(events)).toEqual(otherProviders(baseline));
  });

  it('new_market: a country with no history starts sending and converts normally', () => {
    const spec: ScenarioSpec = { kind: 'new_market', startMs: START_MS, durationMs: 3 * HOUR_MS, country: 'CL', sendsPerMinute: 20 };
    const { events, baseline } = run(spec);
    expect(sendsOf(baseline()).filter(inCountry('CL'))).toEqual([]);
    const launched = sessionStats(events, inCountry('CL'));
    expect(launched.sessions).toBeGreaterThan(500);
    expect(launched.conversion).toBeGreaterThan(0.8);
    expect(launched.conversion).toBeLessThan(0.95);
  });

  it('weekend_dip: only a label, no traffic of its own', () => {
    const spec: ScenarioSpec = { kind: 'weekend_dip', startMs: MONDAY_MS + 5 * 24 * HOUR_MS, durationMs: HOUR_MS };
    const sim = createSimulator({ seed: SEED, startMs: MONDAY_MS, scenarios: [spec] });
    const events = collect(sim, spec.startMs, spec.startMs + spec.durationMs);
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((event) => event.label !== undefined)).toEqual([]);
    expect(sim.labels()).toMatchObject([{ scenario: 'weekend_dip', attack: false, sends: 0, costUsd: 0 }]);
  });
});
