import { median, medianAbsoluteDeviation } from 'simple-statistics';

/** Scales a MAD to a standard deviation for normally distributed data. */
const MAD_TO_SIGMA = 1.4826;

/** Median and a standard deviation estimated from the MAD: one outlier hour cannot move either. */
export function robustCentre(values: readonly number[]): { centre: number; sigma: number } {
  if (values.length === 0) return { centre: 0, sigma: 0 };
  const list = [...values];
  return { centre: median(list), sigma: values.length > 1 ? MAD_TO_SIGMA * medianAbsoluteDeviation(list) : 0 };
}

/**
 * How many standard deviations `observed` sits above `expected` for a count over a window: Poisson
 * noise of the count plus the seasonal spread of the rate the baseline saw.
 */
export function countZScore(observed: number, expected: number, spread: number): number {
  return (observed - expected) / Math.sqrt(Math.max(1, expected + spread * spread));
}
