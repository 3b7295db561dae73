import { insertDecisionCounts, type DecisionCountRow, type Store } from '@tollgate/store';
import { hashString } from '@tollgate/vocabulary';

/** The scope a decision is counted under: the rollup's key without its minute. */
export type DecisionScope = Pick<DecisionCountRow, 'app' | 'flow' | 'country' | 'prefix' | 'asn' | 'provider'>;

export type CountedDecision = 'allow' | 'challenge' | 'block';

const MINUTE_MS = 60_000;
/** An odd constant (2^32 / the golden ratio) to spread the ASN over the hash's bits. */
const ASN_MIX = 0x9e3779b1;

/**
 * Counts decisions per minute and scope in memory and adds them to the `decisions_1m` rollup on
 * flush, so the dashboard can show what breakers saved without a store write per decision.
 * A failed flush keeps its counts for the next one.
 *
 * Rows are found by one number per minute and scope, a hash of its fields, and confirmed field by
 * field: joining the scope into a string key meant formatting the minute and the ASN and hashing a
 * new string on every decision, and a tree of maps, one level per field, cost seven probes.
 */
export function createDecisionCounter(deps: { store: Store; clock: () => number }) {
  let counts = new Map<string, DecisionCountRow>();
  /** Rows by the hash of their minute and scope; the rare rows that share a hash share a bucket. */
  let byHash = new Map<number, DecisionCountRow[]>();

  function adopt(key: string, row: DecisionCountRow): void {
    counts.set(key, row);
    const hash = scopeHash(row.minute, row);
    const bucket = byHash.get(hash);
    if (bucket === undefined) byHash.set(hash, [row]);
    else bucket.push(row);
  }

  function rowOf(minute: number, scope: DecisionScope): DecisionCountRow | undefined {
    const bucket = byHash.get(scopeHash(minute, scope));
    if (bucket === undefined) return undefined;
    for (const row of bucket) if (row.minute === minute && sameScope(row, scope)) return row;
    return undefined;
  }

  return {
    count(scope: DecisionScope, decision: CountedDecision, shadowBlocked: boolean): void {
      const minute = Math.floor(deps.clock() / MINUTE_MS) * MINUTE_MS;
      let row = rowOf(minute, scope);
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
      byHash = new Map();
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

function scopeHash(minute: number, scope: DecisionScope): number {
  let hash = hashString(scope.app, minute / MINUTE_MS);
  hash = hashString(scope.flow, hash);
  hash = hashString(scope.country, hash);
  hash = hashString(scope.prefix, hash);
  hash = hashString(scope.provider, Math.imul(hash ^ scope.asn, ASN_MIX));
  return hash;
}

function sameScope(row: DecisionScope, scope: DecisionScope): boolean {
  return (
    row.asn === scope.asn &&
    row.prefix === scope.prefix &&
    row.app === scope.app &&
    row.flow === scope.flow &&
    row.country === scope.country &&
    row.provider === scope.provider
  );
}
