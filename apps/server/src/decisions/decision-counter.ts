import { insertDecisionCounts, type DecisionCountRow, type Store } from '@tollgate/store';

/** The scope a decision is counted under: the rollup's key without its minute. */
export type DecisionScope = Pick<DecisionCountRow, 'app' | 'flow' | 'country' | 'prefix' | 'asn' | 'provider'>;

export type CountedDecision = 'allow' | 'challenge' | 'block';

/** A level of the count tree: one key of the scope (minute, app, flow, ...) to the next level, a row at the bottom. */
type CountLevel = Map<string | number, CountLevel | DecisionCountRow>;

/**
 * Counts decisions per minute and scope in memory and adds them to the `decisions_1m` rollup on
 * flush, so the dashboard can show what breakers saved without a store write per decision.
 * A failed flush keeps its counts for the next one.
 *
 * Counts are kept in a tree with one level per key of the scope rather than in a map keyed by
 * the joined scope: joining meant formatting the minute and the ASN and hashing a new string on
 * every decision, where the tree probes maps with the request's own strings.
 */
export function createDecisionCounter(deps: { store: Store; clock: () => number }) {
  let counts = new Map<string, DecisionCountRow>();
  let tree: CountLevel = new Map();

  function level(parent: CountLevel, key: string | number): CountLevel {
    let next = parent.get(key) as CountLevel | undefined;
    if (next === undefined) {
      next = new Map();
      parent.set(key, next);
    }
    return next;
  }

  /** The tree's last level for a row's minute and scope, where its provider leads to the row. */
  function leafOf(minute: number, scope: DecisionScope): CountLevel {
    return level(level(level(level(level(level(tree, minute), scope.app), scope.flow), scope.country), scope.prefix), scope.asn);
  }

  function adopt(key: string, row: DecisionCountRow): void {
    counts.set(key, row);
    leafOf(row.minute, row).set(row.provider, row);
  }

  return {
    count(scope: DecisionScope, decision: CountedDecision, shadowBlocked: boolean): void {
      const minute = Math.floor(deps.clock() / 60_000) * 60_000;
      const leaf = leafOf(minute, scope);
      let row = leaf.get(scope.provider) as DecisionCountRow | undefined;
      if (row === undefined) {
        row = {
          minute,
          app: scope.app,
          flow: scope.flow,
          country: scope.country,
          prefix: scope.prefix,
          asn: scope.asn,
          provider: scope.provider,
          allowed: 0,
          challenged: 0,
          blocked: 0,
          shadow_blocked: 0,
        };
        adopt(`${minute}|${scope.app}|${scope.flow}|${scope.country}|${scope.prefix}|${scope.asn}|${scope.provider}`, row);
      }
      if (decision === 'allow') row.allowed++;
      else if (decision === 'challenge') row.challenged++;
      else row.blocked++;
      if (shadowBlocked) row.shadow_blocked++;
    },

    async flush(): Promise<number> {
      if (counts.size === 0) return 0;
      const batch = counts;
      counts = new Map();
      tree = new Map();
      try {
        await insertDecisionCounts(deps.store, [...batch.values()]);
        return batch.size;
      } catch (error) {
        for (const [key, row] of batch) {
          const newer = counts.get(key);
          if (newer) {
            newer.allowed += row.allowed;
            newer.challenged += row.challenged;
            newer.blocked += row.blocked;
            newer.shadow_blocked += row.shadow_blocked;
          } else adopt(key, row);
        }
        throw error;
      }
    },
  };
}

export type DecisionCounter = ReturnType<typeof createDecisionCounter>;
