/**
 * One-sided Poisson CUSUM (Page's test): the log-likelihood ratio of counts at the alternative rate
 * against the expected rate, accumulated minute by minute and never below zero. A slow ramp adds a
 * little every minute; the sum crosses its threshold within the hour while hourly noise, which
 * moves the counts both ways, keeps resetting it.
 */
export interface CusumPoint {
  observed: number;
  /** Expected count of the point (the seasonal baseline). */
  expected: number;
}

export interface CusumResult {
  /** The statistic after the last point. */
  value: number;
  /** Highest value reached, and the index of the point where its run started (after the last reset). */
  peak: number;
  runStart: number;
  /** Index of the first point at which the statistic crossed `threshold`, or -1. */
  crossedAt: number;
}

export interface CusumOptions {
  /** The rise tested: `ratio` times the expected rate, and at least `minRise` more per point. */
  ratio: number;
  minRise: number;
  /**
   * Expectations are taken as at least this: one event where nearly nothing was expected is a huge
   * likelihood ratio, and telling that apart is the exact tail test's job, not the trend's.
   */
  floor: number;
  /** In log-likelihood units (ln of the odds it demands). */
  threshold: number;
}

/** Runs the CUSUM over `points`, oldest first. */
export function poissonCusum(points: readonly CusumPoint[], options: CusumOptions): CusumResult {
  const { ratio, minRise, floor, threshold } = options;
  let value = 0;
  let start = 0;
  let peak = 0;
  let peakStart = 0;
  let crossedAt = -1;
  for (const [i, point] of points.entries()) {
    const expected = Math.max(point.expected, floor, 1e-9);
    const alternative = Math.max(expected * ratio, expected + minRise);
    const step = point.observed * Math.log(alternative / expected) - (alternative - expected);
    if (value === 0) start = i;
    value = Math.max(0, value + step);
    if (value > peak) {
      peak = value;
      peakStart = start;
    }
    if (crossedAt < 0 && value >= threshold) crossedAt = i;
  }
  return { value, peak, runStart: peakStart, crossedAt };
}
