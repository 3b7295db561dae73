import { describe, expect, it } from 'vitest';
import { binomialTail, log10Tail, logPoissonTail, poissonTail } from '../src/statistics/count-tails.ts';
import { cusumIncrement, poissonCusum } from '../src/statistics/cusum.ts';
import { shrunkRate, shrunkShare } from '../src/statistics/shrinkage.ts';

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / expected;

describe('poissonTail: P(X >= k)', () => {
  it.each([
    // Known values, computed with 30-digit arithmetic (mpmath): 1 - e^-1; 1 - e^-0.5 (1 + 0.5 + 0.125); ...
    { k: 1, lambda: 1, p: 0.6321205588 },
    { k: 3, lambda: 0.5, p: 0.01438767797 },
    { k: 10, lambda: 2, p: 4.649807502e-5 },
    { k: 20, lambda: 20, p: 0.5297427332 },
    { k: 40, lambda: 10, p: 7.341636315e-13 },
    // The sparse prefix: two sessions where one in ten thousand was expected.
    { k: 2, lambda: 1e-4, p: 4.999666679e-9 },
    { k: 5, lambda: 0.001, p: 8.326391864e-18 },
  ])('k=$k at lambda=$lambda is $p', ({ k, lambda, p }) => {
    expect(relative(poissonTail(k, lambda), p)).toBeLessThan(1e-8);
  });

  it('is certain for k <= 0 and impossible for k >= 1 when nothing is expected', () => {
    expect(poissonTail(0, 3)).toBe(1);
    expect(logPoissonTail(1, 0)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('stays finite in log space far past what a double can hold', () => {
    const log = logPoissonTail(400, 0.01);
    expect(Number.isFinite(log)).toBe(true);
    expect(log).toBeLessThan(-2000);
  });

  it('falls as k rises', () => {
    const tails = [1, 2, 3, 4, 5].map((k) => poissonTail(k, 0.7));
    expect(tails).toEqual([...tails].sort((a, b) => b - a));
  });
});

describe('log10Tail: a tail as log10 for scores and facts', () => {
  it('is the log10 of the tail where a double holds it', () => {
    expect(log10Tail(logPoissonTail(3, 0.01))).toBeCloseTo(Math.log10(poissonTail(3, 0.01)), 10);
  });

  it('stays finite (JSON has no infinities) when nothing was expected', () => {
    const tail = log10Tail(logPoissonTail(2, 0));
    expect(Number.isFinite(tail)).toBe(true);
    expect(tail).toBeCloseTo(Math.log10(Number.MIN_VALUE), 10);
    expect(JSON.parse(JSON.stringify({ log10PValue: tail })).log10PValue).toBe(tail);
  });
});

describe('binomialTail: P(X >= k)', () => {
  it.each([
    { k: 3, n: 10, p: 0.1, tail: 0.0701908264 },
    { k: 8, n: 10, p: 0.5, tail: 0.0546875 },
    { k: 2, n: 200, p: 0.001, tail: 0.01745751097 },
    { k: 60, n: 100, p: 0.3, tail: 5.129949816e-10 },
  ])('k=$k of n=$n at p=$p is $tail', ({ k, n, p, tail }) => {
    expect(relative(binomialTail(k, n, p), tail)).toBeLessThan(1e-8);
  });

  it('is 0 past n and 1 at k = 0', () => {
    expect(binomialTail(11, 10, 0.5)).toBe(0);
    expect(binomialTail(0, 10, 0.5)).toBe(1);
  });
});

describe('shrinkage toward the parent scope', () => {
  it.each([
    // A prefix with no history of its own expects what its parent's share says.
    { total: 0, samples: 0, prior: 0.4, strength: 3, rate: 0.4 },
    // Five same hours with 10 sessions each, a prior of 2 with three pseudo-samples: (50 + 6) / 8.
    { total: 50, samples: 5, prior: 2, strength: 3, rate: 7 },
    // Much evidence: the scope's own rate wins.
    { total: 10_000, samples: 1_000, prior: 0, strength: 3, rate: 10_000 / 1_003 },
  ])('rate: $total over $samples toward $prior (strength $strength) is $rate', ({ total, samples, prior, strength, rate }) => {
    expect(shrunkRate(total, samples, prior, strength)).toBeCloseTo(rate, 10);
  });

  it.each([
    { successes: 0, trials: 0, prior: 0.88, strength: 50, share: 0.88 },
    // Three of three verified: far from proof of a 100 % conversion.
    { successes: 3, trials: 3, prior: 0.8, strength: 50, share: 43 / 53 },
    { successes: 900, trials: 1000, prior: 0.5, strength: 50, share: 925 / 1050 },
  ])('share: $successes of $trials toward $prior is $share', ({ successes, trials, prior, strength, share }) => {
    expect(shrunkShare(successes, trials, prior, strength)).toBeCloseTo(share, 10);
  });
});

describe('poissonCusum', () => {
  it('accumulates x ln(ratio) - (alternative - expected) and resets at zero', () => {
    // Steps at ratio 2 and an expectation of 1: 3 ln 2 - 1 = 1.0794 for three events, -1 for none.
    const result = poissonCusum(
      [0, 0, 3, 3, 0].map((observed) => ({ observed, expected: 1 })),
      { ratio: 2, minRise: 0, floor: 0, threshold: 2 },
    );
    expect(result.value).toBeCloseTo(2 * (3 * Math.LN2 - 1) - 1, 10);
    expect(result.peak).toBeCloseTo(2 * (3 * Math.LN2 - 1), 10);
    expect(result.runStart).toBe(2);
    expect(result.crossedAt).toBe(3);
  });

  it.each([
    // Counts at the expected rate never cross a threshold of ln(1e5).
    { name: 'flat', observed: (i: number) => (i % 3 === 0 ? 2 : 1), crosses: false },
    // A ramp from the expected 1.5 a minute to four times that within the hour crosses.
    { name: 'ramp', observed: (i: number) => Math.round(1.5 * (1 + (3 * i) / 60)), crosses: true },
  ])('$name', ({ observed, crosses }) => {
    const points = Array.from({ length: 60 }, (_, i) => ({ observed: observed(i), expected: 1.5 }));
    expect(poissonCusum(points, { ratio: 2, minRise: 0.1, floor: 0, threshold: Math.log(1e5) }).crossedAt >= 0).toBe(crosses);
  });

  it('restarts once a settle window observes no more than expected: an ended rise leaves no sum', () => {
    // Ten points of a rise, five quiet ones, then three of a trickle. At ratio 4 and an expectation
    // of 0.5 a point of the rise adds 4 ln 4 - 1.5, a quiet one takes 1.5, one of the trickle adds
    // 2 ln 4 - 1.5: the rise's sum outlasts the quiet points, unless they end the run.
    const observed = [...Array<number>(10).fill(4), 0, 0, 0, 0, 0, 2, 2, 2];
    const points = observed.map((o) => ({ observed: o, expected: 0.5 }));
    const options = { ratio: 4, minRise: 0, floor: 0, threshold: Math.log(1e6) };
    const rise = 4 * Math.log(4) - 1.5;
    const trickle = 2 * Math.log(4) - 1.5;
    const carried = poissonCusum(points, options);
    expect(carried.value).toBeCloseTo(10 * rise - 5 * 1.5 + 3 * trickle, 10);
    expect(carried.value).toBeGreaterThan(options.threshold);
    expect(carried.runStart).toBe(0);
    // Its peak is where the rise ended: the trickle does not lift the sum past it.
    expect(carried.runPeakAt).toBe(9);
    // The five quiet points observe 0 against 2.5 expected: the run, over the threshold, ends at
    // the last of them. The trickle's first point is also no more than expected over its window
    // (2 against 2.5), but its run has crossed nothing yet: it is left to accumulate.
    const settled = poissonCusum(points, { ...options, settleWindow: 5 });
    expect(settled.value).toBeCloseTo(3 * trickle, 10);
    expect(settled.runStart).toBe(15);
    expect(settled.runPeakAt).toBe(17);
    expect(settled.peak).toBeCloseTo(10 * rise, 10);
  });

  it('is bounded by a running sum of its increments from any earlier start, restarts or not', () => {
    // The trend test keeps such a sum from step to step and skips a scope whose sum stays under
    // the threshold: it must never be under the statistic of a later span, bit for bit.
    const options = { ratio: 4, minRise: 0.05, floor: 0.05, threshold: Math.log(1e6), settleWindow: 15 };
    let state = 12_345;
    const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    // Quiet stretches, a burst that crosses and ends, and a ramp, over changing expectations.
    const points = Array.from({ length: 600 }, (_, i) => {
      const expected = 0.05 + (Math.floor(i / 60) % 4) * 0.3;
      const extra = i >= 200 && i < 230 ? 4 : i >= 400 ? Math.floor(((i - 400) / 200) * 3 * next()) : 0;
      return { observed: Math.floor(next() * 2 * expected + next()) + extra, expected };
    });
    let running = 0;
    let checked = 0;
    for (let end = 1; end <= points.length; end += 1) {
      const point = points[end - 1] as (typeof points)[number];
      running = Math.max(0, running + cusumIncrement(point.observed, point.expected, options));
      for (const span of [15, 120]) {
        if (end < span) continue;
        const result = poissonCusum(points.slice(end - span, end), options);
        expect(result.unsettledValue).toBeGreaterThanOrEqual(result.value);
        expect(running).toBeGreaterThanOrEqual(result.value);
        if (result.value >= options.threshold) checked += 1;
      }
    }
    // The burst and the ramp put spans over the threshold: the bound held where it matters.
    expect(checked).toBeGreaterThan(0);
  });

  it('leaves one event where almost nothing was expected to the tail test (floor)', () => {
    const points = [{ observed: 1, expected: 1e-6 }];
    const options = { ratio: 2, minRise: 0.5, threshold: Math.log(1e3) };
    expect(poissonCusum(points, { ...options, floor: 0 }).crossedAt).toBe(0);
    expect(poissonCusum(points, { ...options, floor: 0.2 }).crossedAt).toBe(-1);
  });
});
