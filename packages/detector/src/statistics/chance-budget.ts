/**
 * Significance per test from a budget of chance findings. A detector that tests many scopes and
 * windows each minute raises, by chance alone, up to the sum of their significance levels a minute
 * (Bonferroni); spreading a daily budget over the tests actually run that minute keeps chance
 * findings under the budget whatever the traffic, and lets a quiet deployment, which runs few
 * tests, name an attack at less evidence than one watching every country of the world.
 */

const MS_PER_DAY = 86_400_000;

/**
 * The level each of `tests` tests of one step may pass at so that chance findings stay under
 * `chancePerDay`, with steps every `stepMs`; never looser than `ceiling`.
 */
export function alphaPerTest(chancePerDay: number, tests: number, stepMs: number, ceiling: number): number {
  const perStep = (chancePerDay * stepMs) / MS_PER_DAY;
  return Math.min(ceiling, perStep / Math.max(1, tests));
}
