/**
 * Shrinkage toward a parent scope: a prefix that saw three sessions in four weeks has no hour-of-week
 * profile of its own, but its country has one, and the prefix's long-run share of the country says
 * how much of it to expect. Each estimate is the scope's own evidence plus `strength` pseudo-samples
 * of the parent's, so a dense scope keeps its own numbers and a sparse one borrows its parent's.
 */

/** A rate from `total` events over `samples` periods, shrunk toward `priorRate` with `strength` pseudo-periods. */
export function shrunkRate(total: number, samples: number, priorRate: number, strength: number): number {
  const weight = samples + strength;
  return weight > 0 ? (total + strength * priorRate) / weight : priorRate;
}

/** A proportion from `successes` of `trials`, shrunk toward `priorShare` with `strength` pseudo-trials (beta-binomial mean). */
export function shrunkShare(successes: number, trials: number, priorShare: number, strength: number): number {
  const weight = trials + strength;
  return weight > 0 ? (successes + strength * priorShare) / weight : priorShare;
}
