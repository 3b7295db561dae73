import type { BreakerAuditEntry } from '@tollgate/store';
import type { Breaker, BreakerState } from './breaker.ts';
import { createBreakerIndex, type BreakerIndex } from './scope-match.ts';

/**
 * The breakers as they stood at any time of a replay, from their audit trail: each entry says
 * which state a breaker entered and when. A replay asks for the index at its event time and gets
 * a new one only when some breaker changed state since the last ask.
 */
export interface BreakerTimeline {
  /** The index at `atMs` when it differs from the one of the previous call, else undefined. Times must not go back. */
  indexAt(atMs: number): BreakerIndex | undefined;
}

/**
 * `breakers` are the breakers' latest documents (their scope, action, mode and probe share do
 * not change over versions); `audit` is every entry before the replay's end, oldest first. At
 * each time a breaker takes the state its last entry gave it, with its timers cleared: the trail
 * already records when the cooldown and the expiry moved it.
 */
export function createBreakerTimeline(breakers: readonly Breaker[], audit: readonly BreakerAuditEntry[]): BreakerTimeline {
  const byId = new Map(breakers.map((breaker) => [breaker.id, breaker]));
  const changes = audit.filter((entry) => byId.has(entry.breaker_id));
  const states = new Map<string, BreakerState>();
  let next = 0;
  let first = true;

  return {
    indexAt(atMs) {
      let changed = first;
      first = false;
      while (next < changes.length && changes[next]!.ts <= atMs) {
        const entry = changes[next++]!;
        states.set(entry.breaker_id, entry.to_state as BreakerState);
        changed = true;
      }
      if (!changed) return undefined;
      const active: Breaker[] = [];
      for (const [id, state] of states) {
        if (state === 'closed') continue;
        active.push({ ...byId.get(id)!, state, halfOpenAt: null, expiresAt: null });
      }
      return createBreakerIndex(active);
    },
  };
}
