/**
 * One-sided Poisson CUSUM (Page's test): the log-likelihood ratio of counts at the alternative rate
 * against the expected rate, accumulated minute by minute and never below zero. A slow ramp adds a
 * little every minute; the sum crosses its threshold within the hour while hourly noise, which
 * moves the counts both ways, keeps resetting it. A large excess that ends is the other way round:
 * where little is expected, quiet points take little off its sum, so once it has crossed, a window
 * back at the expectation restarts it (`settleWindow`).
 */
export interface CusumPoint {
  observed: number;
  /** Expected count of the point (the seasonal baseline). */
  expected: number;
}

export interface CusumResult {
  /** The statistic after the last point. */
  value: number;
  /**
   * The statistic after the last point without the restarts of `settleWindow`: never below
   * `value`, and a running sum of `cusumIncrement` from here (or from anywhere earlier) stays
   * above the `value` of any later span it covers, so a caller can rule a span out without it.
   */
  unsettledValue: number;
  /** Highest value reached over all the points. */
  peak: number;
  /** Index of the point where the current run started (the sum's last restart from zero). */
  runStart: number;
  /** Index of the point where the current run reached its highest: where its rise ended, as far as the sum can tell. */
  runPeakAt: number;
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
  /**
   * A run that crossed `threshold` is over, and the sum restarts from zero, once this many points
   * in a row observe no more than their (floored) expectation in all: the excess has ended.
   * Without it, a sum that a large excess left decays only by the tested rise each point (slowly
   * where little is expected) and a later trickle of ordinary counts rides on it. A run still
   * under the threshold is left to the test as it is, so a rise is found as soon as before.
   */
  settleWindow?: number;
}

/** Runs the CUSUM over `points`, oldest first. */
export function poissonCusum(points: readonly CusumPoint[], options: CusumOptions): CusumResult {
  const { ratio, minRise, floor, threshold, settleWindow = 0 } = options;
  const floored = (i: number) => Math.max((points[i] as CusumPoint).expected, floor, 1e-9);
  // Observed minus expected over the last `settleWindow` points.
  let recentExcess = 0;
  let value = 0;
  let unsettledValue = 0;
  let start = 0;
  let peak = 0;
  let runPeak = 0;
  let runPeakAt = -1;
  let crossedAt = -1;
  // Expectations change by the hour, so the rise tested and its log ratio are worked out again
  // only when the expectation differs from the point before.
  let lastExpected = Number.NaN;
  let alternative = 0;
  let logRatio = 0;
  for (let i = 0; i < points.length; i += 1) {
    const point = points[i] as CusumPoint;
    const expected = floored(i);
    if (expected !== lastExpected) {
      lastExpected = expected;
      alternative = Math.max(expected * ratio, expected + minRise);
      logRatio = Math.log(alternative / expected);
    }
    const step = point.observed * logRatio - (alternative - expected);
    if (value === 0) {
      start = i;
      runPeak = 0;
      runPeakAt = -1;
    }
    value = Math.max(0, value + step);
    unsettledValue = Math.max(0, unsettledValue + step);
    if (settleWindow > 0) {
      recentExcess += point.observed - expected;
      if (i >= settleWindow) recentExcess -= (points[i - settleWindow] as CusumPoint).observed - floored(i - settleWindow);
      if (i >= settleWindow - 1 && recentExcess <= 0 && runPeak >= threshold) value = 0;
    }
    peak = Math.max(peak, value);
    if (value > runPeak) {
      runPeak = value;
      runPeakAt = i;
    }
    if (crossedAt < 0 && value >= threshold) crossedAt = i;
  }
  return { value, unsettledValue, peak, runStart: start, runPeakAt, crossedAt };
}

/** What one point adds to the statistic before it is floored at zero: the same arithmetic as `poissonCusum`'s. */
export function cusumIncrement(observed: number, expected: number, options: CusumOptions): number {
  const floored = Math.max(expected, options.floor, 1e-9);
  const alternative = Math.max(floored * options.ratio, floored + options.minRise);
  return observed * Math.log(alternative / floored) - (alternative - floored);
}
