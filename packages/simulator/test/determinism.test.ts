import { describe, expect, it } from 'vitest';
import { createSimulator, type ScenarioSpec, type SimEvent } from '../src/index.ts';
import { collect, HOUR_MS, MINUTE_MS, MONDAY_MS } from './support/traffic-stats.ts';

/** A light rate keeps these multi-hour runs fast; the logic under test does not depend on it. */
const LIGHT_RATE = 20;

const SCENARIOS: ScenarioSpec[] = [
  { kind: 'burst_pumping', startMs: MONDAY_MS + 20 * MINUTE_MS, durationMs: 15 * MINUTE_MS, countries: ['UZ', 'KG'] },
  { kind: 'marketing_campaign', startMs: MONDAY_MS + 10 * MINUTE_MS, durationMs: 40 * MINUTE_MS, country: 'BR' },
  { kind: 'provider_outage', startMs: MONDAY_MS, durationMs: HOUR_MS, provider: 'twilio', country: 'US' },
  { kind: 'verify_bruteforce', startMs: MONDAY_MS + 5 * MINUTE_MS, durationMs: 10 * MINUTE_MS },
];

const simulator = (seed: number | string, scenarios: ScenarioSpec[] = SCENARIOS) =>
  createSimulator({ seed, startMs: MONDAY_MS, sendsPerMinute: LIGHT_RATE, scenarios });

const ids = (events: readonly SimEvent[]) => events.map((event) => event.body.event_id);

describe('determinism', () => {
  it('replays the same events for the same seed', () => {
    const first = collect(simulator(7), MONDAY_MS, MONDAY_MS + HOUR_MS);
    const second = collect(simulator(7), MONDAY_MS, MONDAY_MS + HOUR_MS);
    expect(first.length).toBeGreaterThan(1_000);
    expect(second).toEqual(first);
  });

  it('generates different traffic for a different seed', () => {
    const first = collect(simulator(7), MONDAY_MS, MONDAY_MS + HOUR_MS);
    const other = collect(simulator('seven'), MONDAY_MS, MONDAY_MS + HOUR_MS);
    expect(ids(other)).not.toEqual(ids(first));
    expect(new Set([...ids(first), ...ids(other)]).size).toBe(first.length + other.length);
  });

  it.each([
    ['a cut in the middle of a minute', [MONDAY_MS + 37 * MINUTE_MS + 12_345]],
    ['cuts on minute boundaries', [MONDAY_MS + 30 * MINUTE_MS, MONDAY_MS + 2 * HOUR_MS]],
    ['many uneven cuts', Array.from({ length: 40 }, (_, i) => MONDAY_MS + i * i * 9_001)],
  ])('yields the same stream over one window or split by %s', (_name, cuts) => {
    const endMs = MONDAY_MS + 7 * HOUR_MS;
    const whole = collect(simulator(11), MONDAY_MS, endMs);
    const split = simulator(11);
    const bounds = [MONDAY_MS, ...cuts, endMs];
    const pieces = bounds.slice(1).flatMap((toMs, i) => collect(split, bounds[i] ?? MONDAY_MS, toMs));
    expect(pieces).toEqual(whole);
  });

  it('yields the same stream in one-second windows (the demo feed)', () => {
    const endMs = MONDAY_MS + 12 * MINUTE_MS;
    const whole = collect(simulator(5), MONDAY_MS, endMs);
    const ticking = simulator(5);
    const ticks: SimEvent[] = [];
    for (let atMs = MONDAY_MS; atMs < endMs; atMs += 1_000) ticks.push(...collect(ticking, atMs, atMs + 1_000));
    expect(ticks).toEqual(whole);
  });

  it('starts a window anywhere: a fresh simulator replays the 6 h whose billing still arrives', () => {
    const whole = collect(simulator(3), MONDAY_MS, MONDAY_MS + 8 * HOUR_MS);
    const fromMs = MONDAY_MS + 7 * HOUR_MS + 123;
    const tail = collect(simulator(3), fromMs, MONDAY_MS + 8 * HOUR_MS);
    expect(tail).toEqual(whole.filter((event) => event.body.ts >= fromMs));
    expect(tail.some((event) => event.kind === 'billing')).toBe(true);
  });

  it('emits events in non-decreasing time with unique event ids', () => {
    const events = collect(simulator(9), MONDAY_MS, MONDAY_MS + 3 * HOUR_MS);
    const times = events.map((event) => event.body.ts);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const eventIds = events.filter((event) => event.kind !== 'billing').map((event) => event.body.event_id ?? '');
    const billingIds = events.filter((event) => event.kind === 'billing').map((event) => event.body.event_id ?? '');
    expect(new Set(eventIds).size).toBe(eventIds.length);
    expect(new Set(billingIds).size).toBe(billingIds.length);
  });

  it('leaves the baseline untouched when scenarios are added (outages aside)', () => {
    const additive = SCENARIOS.filter((spec) => spec.kind !== 'provider_outage');
    const baseline = collect(simulator(13, []), MONDAY_MS, MONDAY_MS + HOUR_MS);
    const withScenarios = collect(simulator(13, additive), MONDAY_MS, MONDAY_MS + HOUR_MS);
    expect(withScenarios.filter((event) => event.label === undefined)).toEqual(baseline);
  });

  it('emits nothing before the simulation starts', () => {
    const events = collect(simulator(1), MONDAY_MS - HOUR_MS, MONDAY_MS + MINUTE_MS);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.body.ts >= MONDAY_MS)).toBe(true);
  });
});
