import { describe, expect, it } from 'vitest';
import { createSimulator } from '../src/index.ts';
import { hashSeed } from '../src/random/prng.ts';
import { createLevelNoise } from '../src/traffic/level-noise.ts';
import { collect, DAY_MS, HOUR_MS, MINUTE_MS, MONDAY_MS, sendsOf } from './support/traffic-stats.ts';

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
const spread = (values: readonly number[]) => Math.sqrt(mean(values.map((v) => (v - mean(values)) ** 2)));

describe("a country's level wandering from its seasonal curve", () => {
  const noise = createLevelNoise(hashSeed(7), 0.2);
  /** Each country's factor at noon of 200 days. */
  const noons = Array.from({ length: 40 }, (_, country) =>
    Array.from({ length: 200 }, (_, day) => noise(country, MONDAY_MS + day * DAY_MS + 12 * HOUR_MS)),
  );

  it('keeps the factor at 1 on average, its log spread about the daily sigma and the hourly half of it', () => {
    const all = noons.flat();
    expect(mean(all)).toBeGreaterThan(0.97);
    expect(mean(all)).toBeLessThan(1.03);
    // At noon the day points are mixed half and half (variance 1/2) and the hour point is whole.
    const expected = Math.sqrt(0.2 ** 2 / 2 + 0.1 ** 2);
    expect(spread(all.map(Math.log))).toBeGreaterThan(expected * 0.9);
    expect(spread(all.map(Math.log))).toBeLessThan(expected * 1.1);
  });

  it('moves smoothly: no minute jumps, while days apart differ', () => {
    let largestStep = 0;
    for (let minute = 0; minute < 3 * 24 * 60; minute++) {
      const atMs = MONDAY_MS + minute * MINUTE_MS;
      largestStep = Math.max(largestStep, Math.abs(Math.log(noise(3, atMs + MINUTE_MS) / noise(3, atMs))));
    }
    expect(largestStep).toBeLessThan(0.02);
    const ratios = noons[3]!.slice(1).map((value, day) => Math.abs(Math.log(value / noons[3]![day]!)));
    expect(Math.max(...ratios)).toBeGreaterThan(0.2);
  });

  it('is the same for the same seed, another for another, and 1 without noise', () => {
    expect(createLevelNoise(hashSeed(7), 0.2)(5, MONDAY_MS + 5 * HOUR_MS)).toBe(noise(5, MONDAY_MS + 5 * HOUR_MS));
    expect(createLevelNoise(hashSeed(8), 0.2)(5, MONDAY_MS + 5 * HOUR_MS)).not.toBe(noise(5, MONDAY_MS + 5 * HOUR_MS));
    expect(createLevelNoise(hashSeed(7), 0)(5, MONDAY_MS)).toBe(1);
    expect(() => createLevelNoise(hashSeed(7), -0.1)).toThrow(/levelNoise must be between 0 and 1/);
  });

  it("changes the simulator's healthy traffic only when asked, and keeps its volume", () => {
    const window = (levelNoise?: number) =>
      sendsOf(
        collect(createSimulator({ seed: 3, startMs: MONDAY_MS, sendsPerMinute: 40, levelNoise }), MONDAY_MS, MONDAY_MS + 6 * HOUR_MS),
      );
    const plain = window();
    expect(window(0)).toEqual(plain);
    const noisy = window(0.2);
    expect(noisy).not.toEqual(plain);
    expect(noisy.length / plain.length).toBeGreaterThan(0.8);
    expect(noisy.length / plain.length).toBeLessThan(1.25);
  });
});
