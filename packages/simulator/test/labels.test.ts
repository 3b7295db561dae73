import { describe, expect, it } from 'vitest';
import { createSimulator, type ScenarioSpec } from '../src/index.ts';
import { collect, HOUR_MS, MINUTE_MS, MONDAY_MS, sendsOf } from './support/traffic-stats.ts';

const START_MS = MONDAY_MS + 9 * HOUR_MS;
const SCENARIOS: ScenarioSpec[] = [
  { kind: 'burst_pumping', startMs: START_MS, durationMs: 20 * MINUTE_MS, countries: ['UZ', 'KG'], sendsPerMinute: 50 },
  { kind: 'slow_ramp', startMs: START_MS, durationMs: HOUR_MS, prefix: '+996 700' },
  { kind: 'low_and_slow', startMs: START_MS, durationMs: HOUR_MS },
  { kind: 'sequential_enumeration', startMs: START_MS, durationMs: 30 * MINUTE_MS, country: 'LK' },
  { kind: 'verify_bruteforce', startMs: START_MS, durationMs: 20 * MINUTE_MS, country: 'GB', attemptsPerSession: 30 },
  { kind: 'marketing_campaign', startMs: START_MS, durationMs: HOUR_MS, country: 'MX', app: 'social' },
  { kind: 'provider_outage', startMs: START_MS, durationMs: HOUR_MS, provider: 'sinch', country: 'IN' },
  { kind: 'new_market', startMs: START_MS, durationMs: HOUR_MS, country: 'GH' },
  { kind: 'weekend_dip', startMs: START_MS, durationMs: HOUR_MS },
];

const simulator = () => createSimulator({ seed: 31, startMs: MONDAY_MS, sendsPerMinute: 50, scenarios: SCENARIOS });

describe('labels', () => {
  it('describes every scenario with its window, scope and whether it is an attack', () => {
    expect(
      simulator()
        .labels()
        .map(({ id, scenario, attack, scope }) => ({ id, scenario, attack, scope })),
    ).toEqual([
      {
        id: 'burst_pumping-0-UZ',
        scenario: 'burst_pumping',
        attack: true,
        scope: { country: 'UZ', prefix: expect.stringMatching(/^\+998 \d{3}$/), app: 'social', flow: 'signup' },
      },
      {
        id: 'burst_pumping-0-KG',
        scenario: 'burst_pumping',
        attack: true,
        scope: { country: 'KG', prefix: expect.stringMatching(/^\+996 \d{3}$/), app: 'social', flow: 'signup' },
      },
      {
        id: 'slow_ramp-1',
        scenario: 'slow_ramp',
        attack: true,
        scope: { country: 'KG', prefix: '+996 700', app: 'social', flow: 'signup' },
      },
      { id: 'low_and_slow-2', scenario: 'low_and_slow', attack: true, scope: { app: 'social', flow: 'signup' } },
      {
        id: 'sequential_enumeration-3',
        scenario: 'sequential_enumeration',
        attack: true,
        scope: { country: 'LK', prefix: expect.stringMatching(/^\+94 \d{3}$/), asn: expect.any(Number), app: 'social', flow: 'signup' },
      },
      {
        id: 'verify_bruteforce-4',
        scenario: 'verify_bruteforce',
        attack: true,
        scope: { country: 'GB', asn: expect.any(Number), app: 'bank', flow: 'login' },
      },
      { id: 'marketing_campaign-5', scenario: 'marketing_campaign', attack: false, scope: { country: 'MX', app: 'social' } },
      { id: 'provider_outage-6', scenario: 'provider_outage', attack: false, scope: { country: 'IN', provider: 'sinch' } },
      { id: 'new_market-7', scenario: 'new_market', attack: false, scope: { country: 'GH' } },
      { id: 'weekend_dip-8', scenario: 'weekend_dip', attack: false, scope: {} },
    ]);
  });

  it('counts exactly the sends and cost that the stream carries under each label', () => {
    const sim = simulator();
    const events = collect(sim, MONDAY_MS, START_MS + 2 * HOUR_MS);
    for (const label of sim.labels()) {
      const sends = sendsOf(events.filter((event) => event.label === label.id));
      expect({ id: label.id, sends: label.sends }).toEqual({ id: label.id, sends: sends.length });
      const first = sends.length === 0 ? undefined : Math.min(...sends.map((send) => send.ts));
      expect({ id: label.id, firstSendMs: label.firstSendMs }).toEqual({ id: label.id, firstSendMs: first });
      expect(label.costUsd).toBeCloseTo(
        sends.reduce((sum, send) => sum + send.cost, 0),
        3,
      );
    }
  });

  it("keeps every label's sends and cost when another scenario is added after it", () => {
    const end = START_MS + 2 * HOUR_MS;
    // The same ramp again, half an hour later: its own index, so its own random streams.
    const added = { ...SCENARIOS[1], startMs: START_MS + 30 * MINUTE_MS } as ScenarioSpec;
    const withRamp = createSimulator({ seed: 31, startMs: MONDAY_MS, sendsPerMinute: 50, scenarios: [...SCENARIOS, added] }).labels(end);
    expect(withRamp.slice(0, -1)).toEqual(simulator().labels(end));
    expect(withRamp.at(-1)?.sends).toBeGreaterThan(0);
  });

  it('prices attacks by their destination: pumping costs far more per send than guessing codes in GB', () => {
    const byId = new Map(
      simulator()
        .labels()
        .map((label) => [label.id, label]),
    );
    const perSend = (id: string) => {
      const label = byId.get(id);
      return label ? label.costUsd / label.sends : Number.NaN;
    };
    expect(perSend('burst_pumping-0-UZ')).toBeGreaterThan(0.25);
    expect(perSend('verify_bruteforce-4')).toBeLessThan(0.05);
  });

  it('reports the cost so far for an instant inside the attack', () => {
    const sim = simulator();
    const total = sim.labels();
    const halfway = sim.labels(START_MS + 10 * MINUTE_MS);
    const before = sim.labels(START_MS);
    total.forEach((label, i) => {
      expect(halfway[i]?.costUsd ?? 0).toBeLessThanOrEqual(label.costUsd);
      expect(before[i]?.sends).toBe(0);
      expect(before[i]?.firstSendMs).toBeUndefined();
      if (label.sends > 0) expect(halfway[i]?.firstSendMs ?? label.firstSendMs).toBe(label.firstSendMs);
    });
    const burstHalfway = halfway[0]?.costUsd ?? 0;
    const burstTotal = total[0]?.costUsd ?? 0;
    expect(burstHalfway / burstTotal).toBeGreaterThan(0.35);
    expect(burstHalfway / burstTotal).toBeLessThan(0.65);
  });

  it("tags a burst's events per country and leaves healthy traffic untagged", () => {
    const events = collect(simulator(), START_MS, START_MS + 20 * MINUTE_MS);
    const burst = sendsOf(events.filter((event) => event.label?.startsWith('burst_pumping-0-')));
    expect(new Set(burst.map((send) => send.country))).toEqual(new Set(['UZ', 'KG']));
    expect(
      events.filter((event) => event.label === 'burst_pumping-0-UZ').every((event) => event.kind !== 'send' || event.body.country === 'UZ'),
    ).toBe(true);
    expect(events.some((event) => event.label === undefined)).toBe(true);
  });
});

describe('scenario specs', () => {
  const window = { startMs: START_MS, durationMs: HOUR_MS };
  it.each([
    ['an unknown country', { kind: 'burst_pumping', ...window, countries: ['XX'] }, /unknown country "XX"/],
    ['a prefix outside every range', { kind: 'slow_ramp', ...window, prefix: '+998 123' }, /not inside a known mobile range/],
    ['a prefix too short for one collector prefix', { kind: 'slow_ramp', ...window, prefix: '+99890' }, /at least 3 national digits/],
    ['a prefix in another country', { kind: 'sequential_enumeration', ...window, country: 'UZ', prefix: '+996 700' }, /not a range of UZ/],
    [
      'a burst prefix outside its countries',
      { kind: 'burst_pumping', ...window, countries: ['UZ'], prefixes: ['+996 700'] },
      /not in countries/,
    ],
    ['a duration of zero', { kind: 'low_and_slow', startMs: START_MS, durationMs: 0 }, /durationMs must be a positive/],
    ['a negative rate', { kind: 'burst_pumping', ...window, sendsPerMinute: -5 }, /sendsPerMinute must be a positive/],
    [
      'a campaign that does not add traffic',
      { kind: 'marketing_campaign', ...window, country: 'BR', multiplier: 1 },
      /multiplier must be above 1/,
    ],
    ['a "new" market that already has traffic', { kind: 'new_market', ...window, country: 'US' }, /already has traffic/],
    ['an unknown provider', { kind: 'provider_outage', ...window, country: 'US', provider: 'acme' }, /provider "acme" is unknown/],
    ['too many guesses per session', { kind: 'verify_bruteforce', ...window, attemptsPerSession: 1_000 }, /at most 300/],
  ])('rejects %s with a message naming the field', (_name, spec, message) => {
    expect(() => createSimulator({ seed: 1, startMs: MONDAY_MS, scenarios: [spec as ScenarioSpec] })).toThrow(message);
  });
});
