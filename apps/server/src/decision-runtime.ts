import {
  compileAllowlist,
  createBreakerRegistry,
  createDecider,
  createVelocityLimiter,
  DEFAULT_VELOCITY_CONFIG,
  type BreakerChange,
  type BreakerPolicy,
  type BreakerRegistry,
  type Decider,
} from '@tollgate/breakers';
import type { Store } from '@tollgate/store';
import { createWebhookDispatcher, type WebhookDispatcher } from '@tollgate/webhooks';
import type { Identity } from './core.ts';
import { createDecisionCounter, type DecisionCounter } from './decisions/decision-counter.ts';
import { breakerView } from './plugins/breaker-view.ts';

export interface DecisionRuntime {
  registry: BreakerRegistry;
  decider: Decider;
  counter: DecisionCounter;
  dispatcher: WebhookDispatcher;
  /** Loads breakers and pending webhooks, then keeps them moving (sync, cooldowns, flushes). */
  start(): Promise<void>;
  /** Stops the timers and flushes the decision counts. */
  stop(): Promise<void>;
}

// Breaker changes made by other instances reach this one's decisions within this delay.
export const BREAKER_SYNC_MS = 1_000;
// Decision counts reach the rollup within this delay; a crash loses at most this much counting.
const COUNTS_FLUSH_MS = 5_000;

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
  onError: (error: unknown) => void;
  /** Hears every breaker change after the webhooks did (incidents record trips and resets). */
  onBreakerChange?: (change: BreakerChange) => Promise<void>;
}): DecisionRuntime {
  const clock = deps.clock ?? Date.now;
  const dispatcher = createWebhookDispatcher({ store: deps.store, serverKey: deps.identity.key, clock, onError: deps.onError });
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
  decider = createDecider({
    index: registry.index(),
    limiter: createVelocityLimiter({ clock, config: deps.policy?.velocity ?? DEFAULT_VELOCITY_CONFIG }),
    clock,
    allowlist: deps.policy ? compileAllowlist(deps.policy.allowlist, (e164) => deps.identity.hasher.phone(e164)) : undefined,
  });
  const counter = createDecisionCounter({ store: deps.store, clock });
  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<unknown>>();

  return {
    registry,
    decider,
    counter,
    dispatcher,
    async start() {
      await registry.load();
      decider!.replaceIndex(registry.index());
      await dispatcher.start();
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
        if ((await registry.sync()) > 0) decider!.replaceIndex(registry.index());
        if (deps.tick !== false) await registry.tick();
      });
      every(COUNTS_FLUSH_MS, () => counter.flush());
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
