/**
 * Traffic that is not exactly its seasonal curve. A country's level wanders from day to day (a
 * release, the news, the weather, a competitor's outage) and from hour to hour, as real traffic
 * does; the detector's baselines learn the weekly cycle, and this wandering is what they must not
 * mistake for an attack. A factor per country and instant, log-normal around 1 with its mean kept
 * at 1, moving smoothly between a point a day and a point an hour so that no minute jumps. Drawn
 * from a random stream of its own: the same seed number with the same noise gives the same
 * traffic, and a noise of 0 gives the traffic of the seasonal curve alone, draw for draw.
 */
import { MS_PER_DAY, MS_PER_HOUR } from '../engine/time.ts';
import { createRandom } from '../random/prng.ts';
import { gaussian } from '../random/sampling.ts';
import { STREAM } from '../random/streams.ts';

/** The factor on a country's usual sessions at an instant (mean 1). */
export type LevelNoise = (countryIndex: number, atMs: number) => number;

/** The hourly wobble is this share of the daily one: a day's level moves more than an hour's. */
const HOURLY_SHARE = 0.5;
const DAY_POINTS = 0;
const HOUR_POINTS = 1;

/**
 * `sigma` is the standard deviation of the log of a country's daily level (0.15: about one day in
 * three 15 % off its usual, one in twenty 30 %); 0 leaves the traffic on its curve.
 */
export function createLevelNoise(seedHash: number, sigma: number): LevelNoise {
  if (!(sigma >= 0 && sigma <= 1)) throw new RangeError('levelNoise must be between 0 and 1');
  if (sigma === 0) return () => 1;
  const hourSigma = sigma * HOURLY_SHARE;
  const points = new Map<string, number>();
  const point = (kind: number, countryIndex: number, index: number): number => {
    const key = `${kind}:${countryIndex}:${index}`;
    let z = points.get(key);
    if (z === undefined) points.set(key, (z = gaussian(createRandom(seedHash, STREAM.levelNoise, kind, countryIndex, index))));
    return z;
  };
  // Between two points the mix of two standard normals has variance (1 - f)^2 + f^2; the log-normal
  // mean correction uses it, so the factor's mean stays 1 at every instant.
  const smooth = (kind: number, countryIndex: number, at: number, scale: number): { z: number; variance: number } => {
    const index = Math.floor(at);
    const f = at - index;
    const z = point(kind, countryIndex, index) * (1 - f) + point(kind, countryIndex, index + 1) * f;
    return { z: z * scale, variance: ((1 - f) ** 2 + f ** 2) * scale * scale };
  };
  return (countryIndex, atMs) => {
    const day = smooth(DAY_POINTS, countryIndex, atMs / MS_PER_DAY, sigma);
    const hour = smooth(HOUR_POINTS, countryIndex, atMs / MS_PER_HOUR, hourSigma);
    return Math.exp(day.z + hour.z - (day.variance + hour.variance) / 2);
  };
}
