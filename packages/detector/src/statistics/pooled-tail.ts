/**
 * One exact tail over several scopes at once. A bot farm that pumps two countries at a session a
 * minute each gives each of them what a quiet country sees from a slow attack: too few to be
 * certain alone for minutes. The same sessions into two or three quiet countries at once are far
 * rarer than into one, but only if the test pays for having picked those countries after seeing
 * where the sessions went: any `k` of the `universe` scopes could have been the ones, so the tail
 * of their pooled count is multiplied by the number of ways to choose them, and by 2^(k-1) so the
 * sizes tried share one budget (half of it to pairs, a quarter to triples, ...). Under that price
 * the result is a p-value however the scopes were picked.
 */
import { logChoose, logPoissonTail } from './count-tails.ts';

export interface PoolMember<T> {
  item: T;
  /** Sessions counted in the scope. */
  observed: number;
  /** What chance alone brings it, the baseline's error already allowed for. */
  expected: number;
}

export interface PooledTail<T> {
  /** The scopes pooled, most surprising first. */
  members: PoolMember<T>[];
  /**
   * Those the pool needs: without any one of them, the pool of the others (priced for one scope
   * fewer) is less surprising. A scope that adds a session no rarer than any of the others' could
   * be is carried by the rest, and is not named on their evidence.
   */
  needed: PoolMember<T>[];
  observed: number;
  expected: number;
  /** log P of the pooled count, before the price of the choice. */
  logTail: number;
  /** log of the p-value once every choice of as many scopes of the universe is paid for. */
  logP: number;
}

/**
 * The pool of two or more of `members` with the smallest priced p-value, if any: the scopes are
 * taken in order of their own surprise, each prefix of that order being one choice of `k`, and a
 * pool is tried only when `admissible` accepts it (the rules a single scope's evidence must meet:
 * two networks, one session past its grace).
 */
export function pooledTail<T>(
  members: readonly PoolMember<T>[],
  universe: number,
  admissible: (pool: readonly PoolMember<T>[]) => boolean,
): PooledTail<T> | undefined {
  const ordered = members
    .map((member) => ({ member, own: logPoissonTail(member.observed, member.expected) }))
    .sort((a, b) => a.own - b.own)
    .map(({ member }) => member);
  let best: Omit<PooledTail<T>, 'needed'> | undefined;
  let observed = ordered[0]?.observed ?? 0;
  let expected = ordered[0]?.expected ?? 0;
  for (let k = 2; k <= ordered.length; k += 1) {
    const added = ordered[k - 1] as PoolMember<T>;
    observed += added.observed;
    expected += added.expected;
    const pool = ordered.slice(0, k);
    if (!admissible(pool)) continue;
    const logTail = logPoissonTail(observed, expected);
    const logP = pricedLogP(logTail, universe, k);
    if (!best || logP < best.logP) best = { members: pool, observed, expected, logTail, logP };
  }
  if (!best) return undefined;
  const chosen = best;
  const needed = chosen.members.filter((member) => {
    const without = pricedLogP(
      logPoissonTail(chosen.observed - member.observed, chosen.expected - member.expected),
      universe,
      chosen.members.length - 1,
    );
    return chosen.logP < without;
  });
  return { ...chosen, needed };
}

/** A pooled tail of `k` scopes priced for every choice of `k` of the `universe`, and for the sizes tried. */
function pricedLogP(logTail: number, universe: number, k: number): number {
  return logTail + logChoose(Math.max(universe, k), k) + (k - 1) * Math.LN2;
}
