/**
 * Exact upper tails of counts, computed in log space: how surprising `k` or more events are when
 * `lambda` (Poisson) or `n` trials at `p` (binomial) were expected. A sparse scope sees zero, one
 * or two sessions a minute, where a z-score is meaningless and only the exact tail says how rare
 * a handful is.
 */

/** log(k!) by summing logs: exact, and the counts the detector tests are small. */
const LOG_FACTORIALS: number[] = [0];
function logFactorial(k: number): number {
  for (let i = LOG_FACTORIALS.length; i <= k; i += 1) LOG_FACTORIALS.push((LOG_FACTORIALS[i - 1] ?? 0) + Math.log(i));
  return LOG_FACTORIALS[k] ?? 0;
}

/** log of the number of ways to choose `k` of `n`. */
export function logChoose(n: number, k: number): number {
  if (k < 0 || k > n) return Number.NEGATIVE_INFINITY;
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/** log(exp(a) + exp(b)) without overflow. */
function logAdd(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const high = Math.max(a, b);
  return high + Math.log1p(Math.exp(Math.min(a, b) - high));
}

/** The smallest positive double's log10: a tail below it is 0 in floating point. */
const LOG10_SMALLEST_TAIL = Math.log10(Number.MIN_VALUE);

/**
 * A log tail (natural log) as log10, for a finding's score and facts: a tail against an
 * expectation of nothing is -Infinity, which JSON cannot carry (the stored anomaly and the
 * backtest's output would read null), so it is written as the smallest tail a double holds.
 */
export function log10Tail(logP: number): number {
  return Math.max(LOG10_SMALLEST_TAIL, logP / Math.LN10);
}

/** Terms summed past the mode until they stop mattering (each is far below the running total). */
const NEGLIGIBLE_LOG_RATIO = -40;

/** log P(X >= k) for X ~ Poisson(lambda). */
export function logPoissonTail(k: number, lambda: number): number {
  if (k <= 0 || !(lambda < Number.POSITIVE_INFINITY)) return 0;
  if (lambda <= 0) return Number.NEGATIVE_INFINITY;
  // Below the mean the complement is the short sum: P(X >= k) = 1 - P(X <= k - 1).
  if (k <= lambda) {
    let below = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < k; i += 1) below = logAdd(below, i * Math.log(lambda) - lambda - logFactorial(i));
    return Math.log1p(-Math.min(1, Math.exp(below)));
  }
  let total = Number.NEGATIVE_INFINITY;
  for (let i = k; ; i += 1) {
    const term = i * Math.log(lambda) - lambda - logFactorial(i);
    total = logAdd(total, term);
    if (term - total < NEGLIGIBLE_LOG_RATIO) return total;
  }
}

/** P(X >= k) for X ~ Poisson(lambda). */
export function poissonTail(k: number, lambda: number): number {
  return Math.exp(logPoissonTail(k, lambda));
}

/** log P(X >= k) for X ~ Binomial(n, p). */
export function logBinomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n || p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return 0;
  let total = Number.NEGATIVE_INFINITY;
  for (let i = k; i <= n; i += 1) {
    const term = logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p);
    total = logAdd(total, term);
    if (i > n * p && term - total < NEGLIGIBLE_LOG_RATIO) break;
  }
  return Math.min(0, total);
}

/** P(X >= k) for X ~ Binomial(n, p). */
export function binomialTail(k: number, n: number, p: number): number {
  return Math.exp(logBinomialTail(k, n, p));
}
