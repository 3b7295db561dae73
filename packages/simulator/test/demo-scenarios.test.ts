import { describe, expect, it } from 'vitest';
import { createSimulator, demoScenarios } from '../src/index.ts';
import { collect, HOUR_MS, MINUTE_MS, MONDAY_MS } from './support/traffic-stats.ts';

describe('demo scenarios', () => {
  it('schedules a short pumping burst about every hour and a campaign every six hours', () => {
    const specs = demoScenarios(MONDAY_MS);
    const bursts = specs.filter((spec) => spec.kind === 'burst_pumping');
    const campaigns = specs.filter((spec) => spec.kind === 'marketing_campaign');
    expect(bursts.length).toBeGreaterThanOrEqual(20);
    expect(bursts.length).toBeLessThanOrEqual(28);
    expect(campaigns).toHaveLength(4);
    const gaps = bursts.slice(1).map((spec, i) => spec.startMs - (bursts[i]?.startMs ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(45 * MINUTE_MS);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(75 * MINUTE_MS);
    expect(bursts.every((spec) => spec.durationMs <= 10 * MINUTE_MS)).toBe(true);
  });

  it('covers as many hours as asked', () => {
    const lastStart = Math.max(...demoScenarios(MONDAY_MS, 3).map((spec) => spec.startMs));
    expect(lastStart).toBeLessThan(MONDAY_MS + 3 * HOUR_MS);
    expect(demoScenarios(MONDAY_MS, 48).length).toBeGreaterThan(demoScenarios(MONDAY_MS).length);
  });

  it('runs as shipped: the first hour has a labelled burst and a labelled campaign', () => {
    const sim = createSimulator({ seed: 'demo', startMs: MONDAY_MS, scenarios: demoScenarios(MONDAY_MS) });
    const labels = new Set(collect(sim, MONDAY_MS, MONDAY_MS + HOUR_MS).flatMap((event) => (event.label ? [event.label] : [])));
    expect([...labels].some((label) => label.startsWith('burst_pumping'))).toBe(true);
    expect([...labels].some((label) => label.startsWith('marketing_campaign'))).toBe(true);
    const attacks = sim.labels(MONDAY_MS + HOUR_MS).filter((label) => label.attack && label.sends > 0);
    expect(attacks.length).toBeGreaterThan(0);
  });
});
