import { breakersChangedSince, saveBreaker, type Store } from '@tollgate/store';
import type { BreakerAuditEntry } from './breaker-audit.ts';
import type { BreakerEvent } from './breaker-event.ts';
import { createBreaker, nextDueAt, transition, type BreakerSpec, type Transition } from './breaker-state-machine.ts';
import type { Breaker } from './breaker.ts';
import { createBreakerIndex, type BreakerIndex } from './scope-match.ts';

/** A change that was stored: what webhooks and the decision path hear about. */
export interface BreakerChange {
  breaker: Breaker;
  audit: BreakerAuditEntry;
}

export interface BreakerRegistry {
  /** Loads every breaker from the store; returns how many. */
  load(): Promise<number>;
  /** Picks up breakers changed by other instances since the last sync; returns how many changed. */
  sync(): Promise<number>;
  /** Applies time: open breakers past their cooldown half-open, breakers past expiry close. */
  tick(): Promise<number>;
  index(): BreakerIndex;
  list(): Breaker[];
  get(id: string): Breaker | undefined;
  create(spec: BreakerSpec): Promise<Transition>;
  apply(id: string, event: BreakerEvent): Promise<Transition | { ok: false; error: { code: 'TG_BREAKER_NOT_FOUND'; message: string } }>;
}

/**
 * Breakers in memory for the decision path, in the store for restarts and other instances.
 * Changes are serialised (one at a time, in arrival order), stored with their audit entry before
 * they take effect, then published: the index is rebuilt and `onChange` tells the webhooks.
 * Two writers acting on one breaker are told apart by the version the state machine checks.
 */
export function createBreakerRegistry(deps: {
  store: Store;
  clock: () => number;
  /** Awaited before the change is answered: the webhook outbox is written before anyone is told. */
  onChange?: (change: BreakerChange) => Promise<void> | void;
}): BreakerRegistry {
  const breakers = new Map<string, Breaker>();
  let current: BreakerIndex = createBreakerIndex([]);
  let syncedUntil = 0;
  let queue: Promise<unknown> = Promise.resolve();

  function serial<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  }

  function rebuild(): void {
    current = createBreakerIndex(breakers.values());
  }

  async function commit(result: Transition): Promise<Transition> {
    if (!result.ok) return result;
    const { breaker, audit } = result;
    await saveBreaker(
      deps.store,
      { id: breaker.id, version: breaker.version, state: breaker.state, updated_at: breaker.updatedAt, doc: JSON.stringify(breaker) },
      {
        ts: audit.at,
        breaker_id: audit.breakerId,
        version: audit.version,
        event: audit.event,
        from_state: audit.fromState ?? '',
        to_state: audit.toState,
        actor: audit.actor,
        detail: audit.why,
      },
    );
    breakers.set(breaker.id, breaker);
    rebuild();
    await deps.onChange?.({ breaker, audit });
    return result;
  }

  async function loadChanged(sinceMs: number): Promise<number> {
    const rows = await breakersChangedSince(deps.store, sinceMs);
    let changed = 0;
    for (const row of rows) {
      const known = breakers.get(row.id);
      if (known && known.version >= row.version) continue;
      breakers.set(row.id, JSON.parse(row.doc) as Breaker);
      changed++;
      syncedUntil = Math.max(syncedUntil, row.updated_at);
    }
    if (changed > 0) rebuild();
    return changed;
  }

  return {
    load: () => serial(() => loadChanged(0)),
    sync: () => serial(() => loadChanged(syncedUntil)),

    tick: () =>
      serial(async () => {
        const now = deps.clock();
        let changed = 0;
        for (const breaker of [...breakers.values()]) {
          const due = nextDueAt(breaker);
          if (due === null || due > now) continue;
          const result = await commit(transition(breaker, { type: 'expire', expectedVersion: breaker.version }, now));
          if (result.ok) changed++;
        }
        return changed;
      }),

    index: () => current,
    list: () => [...breakers.values()],
    get: (id) => breakers.get(id),

    create: (spec) => serial(() => commit(createBreaker(spec, deps.clock()))),

    apply: (id, event) =>
      serial(async () => {
        const breaker = breakers.get(id);
        if (!breaker) return { ok: false as const, error: { code: 'TG_BREAKER_NOT_FOUND' as const, message: `No breaker with id ${id}.` } };
        return commit(transition(breaker, event, deps.clock()));
      }),
  };
}
