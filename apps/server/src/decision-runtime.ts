import {
  createBreakerRegistry,
  createPolicyDecider,
  DEFAULT_BREAKER_POLICY,
  EMPTY_SCOPE_STATS,
  readScopeStats,
  type BreakerChange,
  type BreakerPolicy,
  type BreakerRegistry,
  type Decider,
  type ScopeStats,
  type VelocityLimiter,
  type VerifyLimiter,
} from '@tollgate/breakers';
import type { EgressGuard } from '@tollgate/egress';
import type { Ingestor } from '@tollgate/ingest';
import type { Store } from '@tollgate/store';
import { createWebhookDispatcher, type WebhookDispatcher } from '@tollgate/webhooks';
import type { Identity } from '@tollgate/core';
import { createAccountHasher } from './decisions/account-hasher.ts';
import { createDecisionCounter, type DecisionCounter } from './decisions/decision-counter.ts';
import { observeVerifyOutcomes } from './decisions/verify-outcomes.ts';
import { breakerView } from './plugins/breaker-view.ts';

export interface DecisionRuntime {
  registry: BreakerRegistry;
  decider: Decider;
  counter: DecisionCounter;
  dispatcher: WebhookDispatcher;
  /** Keyed hash of a service's account id (account limits). */
  hashAccount(accountId: string): string;
  /** The per-scope statistics the risk score reads, as last refreshed from the store. */
  scopeStats(): ScopeStats;
  /**
   * The ingestor with verify batches observed: once a batch is stored, its outcomes feed the
   * verify ladders (failures per session, IP and phone, successes clearing the session and the phone).
   */
  observeIngest(ingestor: Ingestor): Ingestor;
  /** Loads breakers and pending webhooks, then keeps them moving (sync, cooldowns, flushes). */
  start(): Promise<void>;
  /** Stops the timers and flushes the decision counts. */
  stop(): Promise<void>;
}

// Breaker changes made by other instances reach this one's decisions within this delay.
export const BREAKER_SYNC_MS = 1_000;
// Decision counts reach the rollup within this delay; a crash loses at most this much counting.
const COUNTS_FLUSH_MS = 5_000;
// Per-scope statistics lag the store by at most this: conversion is judged over an hour, so a
// minute's lag costs nothing, and the two queries stay a small load.
export const SCOPE_STATS_REFRESH_MS = 60_000;

/**
 * Wires the decision path: the breaker registry (store-backed), the in-memory decider that reads
 * its index, the decision counter, and the webhook dispatcher that hears every breaker change.
 */
export function createDecisionRuntime(deps: {
  store: Store;
  identity: Identity;
  /** The breaker policy file (velocity limits per app, allowlists); built-in defaults without one. */
  policy?: BreakerPolicy;
  clock?: () => number;
  /**
   * Whether this process writes and announces breakers' timed transitions (cooldown to half-open).
   * One process of a deployment does (the detect node); the others see them through the sync.
   */
  tick?: boolean;
  /**
   * Whether other processes may change the breakers in the store, so this one reads their changes
   * every BREAKER_SYNC_MS (on by default). An embedded store belongs to one process, whose breakers
   * all change through this registry: there the read finds nothing, and it cost an idle all-roles
   * node with 1,000 breakers about 5 ms of its event loop a second, plus the engine's merge of
   * every breaker's versions (bench/RESULTS.md, "decide: what an idle server spends (by hand)").
   */
  syncBreakers?: boolean;
  /** What breaker webhooks may reach (TOLLGATE_EGRESS_ALLOW). */
  egress: EgressGuard;
  /** Wraps the velocity limiter to share its counters across decision nodes (REDIS_URL). */
  shareVelocity?: (local: VelocityLimiter) => VelocityLimiter;
  /** Wraps the verify ladders to share them across nodes (REDIS_URL). */
  shareVerify?: (local: VerifyLimiter) => VerifyLimiter;
  onError: (error: unknown) => void;
  /** Hears every breaker change after the webhooks did (incidents record trips and resets). */
  onBreakerChange?: (change: BreakerChange) => Promise<void>;
}): DecisionRuntime {
  const clock = deps.clock ?? Date.now;
  const dispatcher = createWebhookDispatcher({
    store: deps.store,
    serverKey: deps.identity.key,
    clock,
    egress: deps.egress,
    onError: deps.onError,
  });
  let decider: Decider | undefined;
  const registry = createBreakerRegistry({
    store: deps.store,
    clock,
    async onChange(change) {
      decider?.replaceIndex(registry.index());
      await dispatcher.publish(webhookType(change), { breaker: breakerView(change.breaker), audit: change.audit });
      await deps.onBreakerChange?.(change);
    },
  });
  let stats = EMPTY_SCOPE_STATS;
  const { hasher } = deps.identity;
  const decisionPath = createPolicyDecider({
    policy: deps.policy ?? DEFAULT_BREAKER_POLICY,
    index: registry.index(),
    clock,
    hashPhone: (e164) => hasher.phone(e164),
    hashBlock: (block) => hasher.block(block),
    stats: () => stats,
    shareVelocity: deps.shareVelocity,
    shareVerify: deps.shareVerify,
  });
  decider = decisionPath.decider;
  const counter = createDecisionCounter({ store: deps.store, clock });
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<unknown>>();

  return {
    registry,
    decider,
    counter,
    dispatcher,
    hashAccount: createAccountHasher(deps.identity.key),
    scopeStats: () => stats,
    observeIngest: (ingestor) => observeVerifyOutcomes(ingestor, decisionPath.verify, deps.identity),
    async start() {
      await registry.load();
      decider!.replaceIndex(registry.index());
      await dispatcher.start();
      const refreshStats = async () => {
        stats = await readScopeStats(deps.store, clock());
      };
      // A failed first read leaves the score without statistics (velocity and device signals still count) rather than the server down.
      await refreshStats().catch(deps.onError);
      const every = (ms: number, work: () => Promise<unknown>) => {
        let busy = false;
        const timer = setInterval(() => {
          if (busy) return;
          busy = true;
          const run = work()
            .catch(deps.onError)
            .finally(() => {
              busy = false;
              inFlight.delete(run);
            });
          inFlight.add(run);
        }, ms);
        timer.unref();
        timers.push(timer);
      };
      every(BREAKER_SYNC_MS, async () => {
        if (deps.syncBreakers !== false && (await registry.sync()) > 0) decider!.replaceIndex(registry.index());
        if (deps.tick !== false) await registry.tick();
      });
      every(COUNTS_FLUSH_MS, () => counter.flush());
      every(SCOPE_STATS_REFRESH_MS, refreshStats);
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(inFlight);
      await dispatcher.stop();
      await counter.flush();
    },
  };
}

/** The webhook event type a breaker change is announced as. */
export function webhookType(change: BreakerChange): string {
  const { audit } = change;
  if (audit.event === 'extend') return 'breaker.updated';
  if (audit.toState === 'open') return 'breaker.opened';
  if (audit.toState === 'half_open') return 'breaker.half_open';
  return 'breaker.closed';
}
