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
 * A row stays for its whole minute and a flush takes its counts and sets them back to zero: a busy
 * node counts thousands of scopes a minute, and rows made anew after every flush lived just long
 * enough to be copied out of the young heap and then collected from the old one.
 */
export function createDecisionCounter(deps: { store: Store; clock: () => number }) {
  /** Rows by the hash of their minute and scope; the rare rows that share a hash share a bucket. */
  const byHash = new Map<number, DecisionCountRow[]>();

  function rowOf(minute: number, scope: DecisionScope): DecisionCountRow {
    const hash = scopeHash(minute, scope);
    const bucket = byHash.get(hash);
    if (bucket !== undefined) for (const row of bucket) if (row.minute === minute && sameScope(row, scope)) return row;
    const row: DecisionCountRow = {
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
    if (bucket === undefined) byHash.set(hash, [row]);
    else bucket.push(row);
    return row;
  }

  /**
   * The counted rows' counts, each row set back to zero; rows of minutes already over are let go
   * (a decision stamped with one later makes its row again).
   */
  function takeCounts(): DecisionCountRow[] {
    const currentMinute = Math.floor(deps.clock() / MINUTE_MS) * MINUTE_MS;
    const taken: DecisionCountRow[] = [];
    for (const [hash, bucket] of byHash) {
      let kept = 0;
      for (const row of bucket) {
        if (row.allowed + row.challenged + row.blocked + row.shadow_blocked > 0) {
          taken.push({ ...row });
          row.allowed = row.challenged = row.blocked = row.shadow_blocked = 0;
        }
        if (row.minute >= currentMinute) bucket[kept++] = row;
      }
      if (kept === 0) byHash.delete(hash);
      else bucket.length = kept;
    }
    return taken;
  }

  return {
    count(scope: DecisionScope, decision: CountedDecision, shadowBlocked: boolean): void {
      const row = rowOf(Math.floor(deps.clock() / MINUTE_MS) * MINUTE_MS, scope);
      if (decision === 'allow') row.allowed++;
      else if (decision === 'challenge') row.challenged++;
      else row.blocked++;
      if (shadowBlocked) row.shadow_blocked++;
    },

    async flush(): Promise<number> {
      const batch = takeCounts();
      if (batch.length === 0) return 0;
      try {
        await insertDecisionCounts(deps.store, batch);
        return batch.length;
      } catch (error) {
        for (const taken of batch) {
          const row = rowOf(taken.minute, taken);
          row.allowed += taken.allowed;
          row.challenged += taken.challenged;
          row.blocked += taken.blocked;
          row.shadow_blocked += taken.shadow_blocked;
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
