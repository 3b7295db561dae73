/**
 * Exponentially weighted moving average over values in time order, oldest first: the level a
 * scope had lately, when it is too young for a seasonal baseline.
 */
export function ewma(values: readonly number[], alpha: number): number | undefined {
  let level: number | undefined;
  for (const value of values) level = level === undefined ? value : alpha * value + (1 - alpha) * level;
  return level;
}
