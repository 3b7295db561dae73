/**
 * Draws from the distributions the traffic model needs, on top of a seeded `Random`.
 * Kept apart from the generator so that the model reads as "how long", "how many", "which".
 */
import type { Random } from './prng.ts';

/** Above this mean, Knuth's product method gets slow and the normal approximation is within 1%. */
const POISSON_NORMAL_APPROXIMATION_FROM = 30;

export function between(r: Random, min: number, max: number): number {
  return min + (max - min) * r.next();
}

/** An integer in [0, n). */
export function intBelow(r: Random, n: number): number {
  return Math.floor(r.next() * n);
}

export function chance(r: Random, probability: number): boolean {
  return r.next() < probability;
}

export function pick<T>(r: Random, items: readonly T[]): T {
  const item = items[intBelow(r, items.length)];
  if (item === undefined) throw new RangeError('pick: cannot pick from an empty list');
  return item;
}

/** Standard normal draw (Box-Muller). */
export function gaussian(r: Random): number {
  const u = 1 - r.next();
  const v = r.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** How many events of a Poisson process with mean `mean` fall in one interval. */
export function poisson(r: Random, mean: number): number {
  if (mean <= 0) return 0;
  if (mean >= POISSON_NORMAL_APPROXIMATION_FROM) {
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(r)));
  }
  const limit = Math.exp(-mean);
  let count = 0;
  let product = r.next();
  while (product > limit) {
    count += 1;
    product *= r.next();
  }
  return count;
}

/** Human and network delays are log-normal: mostly near the median, with a long right tail (clamped). */
export function logNormalBetween(r: Random, median: number, sigma: number, min: number, max: number): number {
  const value = median * Math.exp(sigma * gaussian(r));
  return Math.min(max, Math.max(min, value));
}

/** Uniform in log space: as many values between 5 and 50 minutes as between 50 and 500. */
export function logUniform(r: Random, min: number, max: number): number {
  return min * Math.pow(max / min, r.next());
}

/** Running totals of weights, for `pickIndex`. */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((weight, i) => {
    total += weight;
    cumulative[i] = total;
  });
  return cumulative;
}

/** Index drawn with probability proportional to its weight (binary search over running totals). */
export function pickIndex(r: Random, cumulative: Float64Array): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  const target = r.next() * total;
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((cumulative[mid] ?? 0) > target) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** A picker over fixed weighted choices, e.g. `{ sms: 0.97, voice: 0.03 }`. */
export function weightedPicker<T extends string>(weights: Readonly<Record<T, number>>): (r: Random) => T {
  const keys = Object.keys(weights) as T[];
  const cumulative = cumulativeWeights(keys.map((key) => weights[key]));
  return (r) => {
    const key = keys[pickIndex(r, cumulative)];
    if (key === undefined) throw new RangeError('weightedPicker: no choices');
    return key;
  };
}

/** `count` different items in random order (fewer if the list is shorter). */
export function pickDistinct<T>(r: Random, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0) {
    const [item] = pool.splice(intBelow(r, pool.length), 1);
    if (item !== undefined) chosen.push(item);
  }
  return chosen;
}
