import { readFileSync } from 'node:fs';
import { COUNTRIES, createSimulator, type ScenarioSpec } from '@tollgate/simulator';
import { describe, expect, it } from 'vitest';
import { sweepCells, sweepLevelNoise, TUNING_SEEDS } from '../bench/detect-scenarios.ts';

/** The benchmark's week starts on a Monday (bench/detect.bench.ts). */
const START_MS = Date.parse('2026-11-02T00:00:00Z');
const HOUR_MS = 3_600_000;
/** The fixed ladder as the tuning seeds have run it, spec for spec: their rows compare from run to run only while it stays. */
const LADDER = JSON.parse(readFileSync(new URL('fixtures/detect-ladder.json', import.meta.url), 'utf8')) as Record<string, ScenarioSpec[]>;
/** Seeds as the benchmark draws them at run time: enough that every range is drawn from more than once. */
const DRAWN_SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + 7919 * i);
const SMALL_COUNTRIES = COUNTRIES.filter((c) => c.highCost).map((c) => c.iso);
const LARGE_COUNTRIES = COUNTRIES.filter((c) => c.trafficShare >= 3.5).map((c) => c.iso);
const COUNTRIES_WITH_TRAFFIC = COUNTRIES.filter((c) => c.trafficShare > 0).map((c) => c.iso);

/** Each drawn cell with the ladder cell it stands for. */
const drawn = DRAWN_SEEDS.flatMap((seed) => {
  const ladder = sweepCells(START_MS, seed, 'fixed');
  return sweepCells(START_MS, seed, 'drawn').map((cell, index) => ({ seed, cell, ladder: ladder[index]! }));
});
const ofKind = <K extends ScenarioSpec['kind']>(kind: K) =>
  drawn.flatMap(({ cell, ladder }) =>
    cell.spec.kind === kind
      ? [{ spec: cell.spec as Extract<ScenarioSpec, { kind: K }>, ladder: ladder.spec as Extract<ScenarioSpec, { kind: K }> }]
      : [],
  );

describe('the detection sweep', () => {
  it.each(TUNING_SEEDS)('tuning seed %i runs the fixed ladder, spec for spec', (seed) => {
    expect(sweepCells(START_MS, seed, 'fixed').map((cell) => cell.spec)).toEqual(LADDER[seed]);
  });

  // The threat model's ranges (and the ladder steps' bands for a burst's intensity): a drawn value
  // must fall inside and the draws must not all be one value.
  it.each([
    ['burst_pumping', 'duration, hours', (s: ScenarioSpec) => s.durationMs / HOUR_MS, 1, 3],
    ['burst_pumping', 'countries', (s: ScenarioSpec) => (s.kind === 'burst_pumping' ? s.countries?.length : NaN), 1, 2],
    ['burst_pumping', 'prefixes per country', (s: ScenarioSpec) => (s.kind === 'burst_pumping' ? s.prefixesPerCountry : NaN), 2, 3],
    ['burst_pumping', 'exit ASNs', (s: ScenarioSpec) => (s.kind === 'burst_pumping' ? s.exitAsns : NaN), 3, 5],
    ['burst_pumping', 'IPs per ASN', (s: ScenarioSpec) => (s.kind === 'burst_pumping' ? s.exitIpsPerAsn : NaN), 2, 4],
    ['burst_pumping', 'verifying share', (s: ScenarioSpec) => (s.kind === 'burst_pumping' ? s.verifyShare : NaN), 0.01, 0.02],
    ['burst_pumping', 'sends a session', (s: ScenarioSpec) => (s.kind === 'burst_pumping' ? s.sendsPerSession : NaN), 1, 2],
    ['verify_bruteforce', 'guesses a session', (s: ScenarioSpec) => (s.kind === 'verify_bruteforce' ? s.attemptsPerSession : NaN), 15, 60],
    ['verify_bruteforce', 'exit IPs', (s: ScenarioSpec) => (s.kind === 'verify_bruteforce' ? s.exitIps : NaN), 3, 8],
    ['slow_ramp', 'duration, hours', (s: ScenarioSpec) => s.durationMs / HOUR_MS, 6, 10],
    ['low_and_slow', 'multiplier', (s: ScenarioSpec) => (s.kind === 'low_and_slow' ? s.multiplier : NaN), 1.5, 3],
    ['low_and_slow', 'countries', (s: ScenarioSpec) => (s.kind === 'low_and_slow' ? s.countries?.length : NaN), 14, 20],
    ['marketing_campaign', 'multiplier', (s: ScenarioSpec) => (s.kind === 'marketing_campaign' ? s.multiplier : NaN), 2, 4],
    ['holiday', 'multiplier', (s: ScenarioSpec) => (s.kind === 'holiday' ? s.multiplier : NaN), 1.3, 1.8],
    ['provider_outage', 'duration, hours', (s: ScenarioSpec) => s.durationMs / HOUR_MS, 1, 3],
  ] as const)('a drawn %s draws its %s in the threat model range', (kind, _field, value, low, high) => {
    const values = ofKind(kind).map(({ spec }) => value(spec));
    expect(values.length).toBeGreaterThan(0);
    expect(values.filter((v) => v === undefined || !(v >= low && v <= high))).toEqual([]);
    expect(new Set(values).size).toBeGreaterThan(1);
  });

  it.each([
    [1, 1, 2],
    [2, 2, 4],
    [5, 4, 6],
    [20, 10, 30],
    [100, 50, 150],
  ])('a drawn burst of the ~%i/min step sends %i to %i a minute', (step, low, high) => {
    const rates = ofKind('burst_pumping')
      .filter(({ ladder }) => ladder.sendsPerMinute === step)
      .map(({ spec }) => spec.sendsPerMinute ?? NaN);
    // Every drawn seed draws each burst of the step (the ~5/min step also runs on the second day).
    const cellsOfStep = LADDER[TUNING_SEEDS[0]!]!.filter((spec) => spec.kind === 'burst_pumping' && spec.sendsPerMinute === step).length;
    expect(rates).toHaveLength(DRAWN_SEEDS.length * cellsOfStep);
    expect(rates.filter((rate) => !(rate >= low && rate <= high))).toEqual([]);
    expect(new Set(rates).size).toBeGreaterThan(1);
  });

  it('draws its scopes where the threat model puts them', () => {
    for (const { spec } of ofKind('burst_pumping')) {
      expect(new Set(spec.countries).size).toBe(spec.countries?.length);
      expect(spec.countries?.filter((iso) => !SMALL_COUNTRIES.includes(iso))).toEqual([]);
    }
    for (const { spec, ladder } of ofKind('verify_bruteforce')) {
      expect(LARGE_COUNTRIES).toContain(spec.country);
      expect([spec.app, spec.flow, spec.exits]).toEqual([ladder.app, ladder.flow, ladder.exits]);
    }
    expect(new Set(ofKind('verify_bruteforce').map(({ spec }) => spec.country)).size).toBeGreaterThan(1);
    for (const { spec } of ofKind('low_and_slow')) {
      expect(new Set(spec.countries).size).toBe(spec.countries?.length);
      expect(spec.countries?.filter((iso) => !COUNTRIES_WITH_TRAFFIC.includes(iso))).toEqual([]);
    }
  });

  it('keeps every drawn cell at its ladder step: its kind, start, name and what the threat model does not range over', () => {
    for (const { cell, ladder } of drawn) {
      expect([cell.spec.kind, cell.spec.startMs, cell.name]).toEqual([ladder.spec.kind, ladder.spec.startMs, ladder.name]);
      if (cell.spec.kind === 'slow_ramp' && ladder.spec.kind === 'slow_ramp')
        expect({ ...cell.spec, durationMs: 0 }).toEqual({ ...ladder.spec, durationMs: 0 });
      if (['new_market', 'weekend_dip', 'sequential_enumeration'].includes(cell.spec.kind)) expect(cell.spec).toEqual(ladder.spec);
    }
  });

  it.each(DRAWN_SEEDS.slice(0, 5))('the simulator takes every cell seed %i draws', (seed) => {
    expect(() =>
      createSimulator({
        seed,
        startMs: START_MS,
        levelNoise: sweepLevelNoise(seed, 'drawn'),
        scenarios: sweepCells(START_MS, seed, 'drawn').map((c) => c.spec),
      }),
    ).not.toThrow();
  });

  it("wanders a drawn seed's healthy traffic by 10 to 30 % a day, and never a tuning seed's", () => {
    const noises = DRAWN_SEEDS.map((seed) => sweepLevelNoise(seed, 'drawn'));
    expect(noises.filter((noise) => !(noise >= 0.1 && noise <= 0.3))).toEqual([]);
    expect(new Set(noises).size).toBeGreaterThan(10);
    expect(TUNING_SEEDS.map((seed) => sweepLevelNoise(seed, 'fixed'))).toEqual([0, 0, 0]);
  });
});
