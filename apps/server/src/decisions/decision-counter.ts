import { insertDecisionCounts, type DecisionCountRow, type Store } from '@tollgate/store';

/** The scope a decision is counted under: the rollup's key without its minute. */
export type DecisionScope = Pick<DecisionCountRow, 'app' | 'flow' | 'country' | 'prefix' | 'asn' | 'provider'>;

export type CountedDecision = 'allow' | 'challenge' | 'block';

/**
 * Counts decisions per minute and scope in memory and adds them to the `decisions_1m` rollup on
 * flush, so the dashboard can show what breakers saved without a store write per decision.
 * A failed flush keeps its counts for the next one.
 */
export function createDecisionCounter(deps: { store: Store; clock: () => number }) {
  let counts = new Map<string, DecisionCountRow>();

  return {
    count(scope: DecisionScope, decision: CountedDecision, shadowBlocked: boolean): void {
      const minute = Math.floor(deps.clock() / 60_000) * 60_000;
      const key = `${minute}|${scope.app}|${scope.flow}|${scope.country}|${scope.prefix}|${scope.asn}|${scope.provider}`;
      let row = counts.get(key);
      if (!row) {
        row = { minute, ...scope, allowed: 0, challenged: 0, blocked: 0, shadow_blocked: 0 };
        counts.set(key, row);
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
          } else counts.set(key, row);
        }
        throw error;
      }
    },
  };
}

export type DecisionCounter = ReturnType<typeof createDecisionCounter>;
