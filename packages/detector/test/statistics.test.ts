import { describe, expect, it } from 'vitest';
import { ewma } from '../src/statistics/ewma.ts';
import { countZScore, robustCentre } from '../src/statistics/robust-spread.ts';
import { wilsonInterval } from '../src/statistics/wilson-interval.ts';
import { createAnomalyLifecycle } from '../src/anomaly-lifecycle.ts';
import type { Finding } from '../src/finding.ts';

describe('wilsonInterval', () => {
  it.each([
    // Known values (Wilson 1927; checked against R's binom::binom.wilson).
    { successes: 8, trials: 10, z: 1.96, low: 0.4902, high: 0.9433 },
    { successes: 0, trials: 10, z: 1.96, low: 0, high: 0.2775 },
    { successes: 45, trials: 50, z: 1.96, low: 0.7864, high: 0.9565 },
  ])('$successes of $trials at z=$z', ({ successes, trials, z, low, high }) => {
    const interval = wilsonInterval(successes, trials, z);
    expect(interval.low).toBeCloseTo(low, 3);
    expect(interval.high).toBeCloseTo(high, 3);
  });

  it('is the whole range without trials, so nothing is judged on no data', () => {
    expect(wilsonInterval(0, 0, 3)).toEqual({ low: 0, high: 1 });
  });

  it('stays wide for a handful of sessions: 0 of 5 cannot prove a drop below 50 %', () => {
    expect(wilsonInterval(0, 5, 3.29).high).toBeGreaterThan(0.5);
  });
});

describe('robustCentre', () => {
  it('ignores one incident hour in the history', () => {
    const { centre, sigma } = robustCentre([10, 11, 9, 10, 500]);
    expect(centre).toBe(10);
    expect(sigma).toBeCloseTo(1.4826, 4);
  });

  it('has no spread with one sample', () => {
    expect(robustCentre([7])).toEqual({ centre: 7, sigma: 0 });
  });
});

describe('countZScore', () => {
  it.each([
    { observed: 100, expected: 25, spread: 0, z: 15 },
    { observed: 25, expected: 25, spread: 3, z: 0 },
    { observed: 30, expected: 0, spread: 0, z: 30 },
  ])('$observed against $expected (spread $spread) is $z sigma', ({ observed, expected, spread, z }) => {
    expect(countZScore(observed, expected, spread)).toBeCloseTo(z, 6);
  });
});

describe('ewma', () => {
  it('weights recent values by alpha', () => {
    expect(ewma([10, 20], 0.5)).toBe(15);
    expect(ewma([], 0.5)).toBeUndefined();
  });
});

describe('anomaly lifecycle', () => {
  const finding = (severity: Finding['severity'], action: Finding['action']): Finding => ({
    kind: 'volume_spike',
    scope: { country: 'UZ', prefix: '+998 90' },
    severity,
    action,
    score: 9,
    observed: 90,
    expected: 3,
    band: { low: 0, high: 12 },
    unit: 'sends',
    costPerHourUsd: 50,
    windowStartMs: 0,
    windowEndMs: 60_000,
    summary: 's',
    contributors: [],
    facts: {},
  });
  const T0 = Date.parse('2026-11-24T10:00:00Z');

  it('opens once, escalates but never downgrades, and resolves after the quiet period', () => {
    const lifecycle = createAnomalyLifecycle({ resolveAfterQuietMs: 15 * 60_000 });
    const [opened] = lifecycle.apply(T0, [finding('medium', 'alert')]);
    expect(opened?.change).toBe('opened');
    const [escalated] = lifecycle.apply(T0 + 60_000, [finding('high', 'block')]);
    expect(escalated).toMatchObject({ change: 'escalated', anomaly: { id: opened?.anomaly.id, severity: 'high', action: 'block' } });
    const [updated] = lifecycle.apply(T0 + 120_000, [finding('low', 'alert')]);
    expect(updated).toMatchObject({ change: 'updated', anomaly: { severity: 'high', action: 'block' } });
    expect(lifecycle.apply(T0 + 120_000 + 14 * 60_000, [])).toEqual([]);
    const [resolved] = lifecycle.apply(T0 + 120_000 + 15 * 60_000, []);
    expect(resolved).toMatchObject({ change: 'resolved', anomaly: { id: opened?.anomaly.id, state: 'resolved' } });
  });

  it('gives a re-run of the same history the same id, and a later episode a new one', () => {
    const a = createAnomalyLifecycle({ resolveAfterQuietMs: 60_000 }).apply(T0, [finding('high', 'block')])[0]?.anomaly.id;
    const b = createAnomalyLifecycle({ resolveAfterQuietMs: 60_000 }).apply(T0, [finding('high', 'block')])[0]?.anomaly.id;
    const later = createAnomalyLifecycle({ resolveAfterQuietMs: 60_000 }).apply(T0 + 3_600_000, [finding('high', 'block')])[0]?.anomaly.id;
    expect(a).toBe(b);
    expect(later).not.toBe(a);
  });
});
