import type { BreakerScope, BreakerSnapshot, BreakerWebhookEvent, SnapshotBreaker } from './breaker-snapshot.ts';

export interface LocalRequest {
  app: string;
  flow: string;
  country: string;
  prefix: string;
  asn?: number;
  provider?: string;
}

export interface LocalDecision {
  decision: 'allow' | 'challenge' | 'block';
  reasons: { code: string; detail: string; breaker_id?: string }[];
  breakers: string[];
  /** The last successful refresh is older than `staleAfterMs`: the answer may miss recent breakers. */
  stale: boolean;
}

export interface BreakerCacheOptions {
  baseUrl: string;
  apiKey: string;
  refreshMs?: number;
  staleAfterMs?: number;
  fetch?: typeof fetch;
  clock?: () => number;
}

// Polling every 5 s keeps a cache within seconds of the server even without webhooks.
const DEFAULT_REFRESH_MS = 5_000;
const DEFAULT_STALE_AFTER_MS = 30_000;
const KEYS = ['prefix', 'asn', 'country', 'provider', 'app', 'flow'] as const;

type Key = (typeof KEYS)[number];

/**
 * Breakers held in the service's own process, refreshed by polling the snapshot and by verified
 * webhooks, so the hot path can decide without a network call. It knows breakers only: velocity
 * limits, throttles and half-open probes need the server, and are allowed here with a reason.
 * Breakers are filed under their most selective scope key, so a lookup touches a handful.
 */
export function createBreakerCache(options: BreakerCacheOptions) {
  const send = options.fetch ?? fetch;
  const clock = options.clock ?? Date.now;
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const byId = new Map<string, SnapshotBreaker>();
  let index = new Map<Key, Map<string | number, SnapshotBreaker[]>>();
  let unkeyed: SnapshotBreaker[] = [];
  let refreshedAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;

  function rebuild(): void {
    index = new Map();
    unkeyed = [];
    for (const breaker of byId.values()) {
      if (breaker.state === 'closed') continue;
      const key = KEYS.find((k) => breaker.scope[k] !== undefined);
      if (!key) {
        unkeyed.push(breaker);
        continue;
      }
      let bucket = index.get(key);
      if (!bucket) index.set(key, (bucket = new Map()));
      const value = breaker.scope[key]!;
      const list = bucket.get(value);
      if (list) list.push(breaker);
      else bucket.set(value, [breaker]);
    }
  }

  function covers(scope: BreakerScope, request: LocalRequest): boolean {
    return (
      (scope.app === undefined || scope.app === request.app) &&
      (scope.flow === undefined || scope.flow === request.flow) &&
      (scope.country === undefined || scope.country === request.country) &&
      (scope.prefix === undefined || scope.prefix === request.prefix) &&
      (scope.asn === undefined || scope.asn === request.asn) &&
      (scope.provider === undefined || scope.provider === request.provider)
    );
  }

  function applySnapshot(snapshot: BreakerSnapshot): void {
    byId.clear();
    for (const breaker of snapshot.breakers) byId.set(breaker.id, breaker);
    refreshedAt = clock();
    rebuild();
  }

  async function refresh(): Promise<boolean> {
    try {
      const response = await send(new URL('/v1/breakers/snapshot', options.baseUrl).href, {
        headers: { authorization: `Bearer ${options.apiKey}` },
        signal: AbortSignal.timeout(DEFAULT_REFRESH_MS),
      });
      if (!response.ok) return false;
      applySnapshot((await response.json()) as BreakerSnapshot);
      return true;
    } catch {
      return false;
    }
  }

  return {
    refresh,
    applySnapshot,

    /** Updates one breaker from a webhook whose signature the caller verified. */
    applyWebhook(event: BreakerWebhookEvent): void {
      const breaker = event.data.breaker;
      const known = byId.get(breaker.id);
      if (known?.version !== undefined && breaker.version !== undefined && known.version > breaker.version) return;
      if (breaker.state === 'closed') byId.delete(breaker.id);
      else byId.set(breaker.id, breaker);
      rebuild();
    },

    decideLocally(request: LocalRequest): LocalDecision {
      const now = clock();
      const result: LocalDecision = { decision: 'allow', reasons: [], breakers: [], stale: now - refreshedAt > staleAfterMs };
      const consider = (breaker: SnapshotBreaker) => {
        if (!covers(breaker.scope, request)) return;
        if (breaker.expires_at !== null && breaker.expires_at <= now) return;
        if (breaker.mode === 'shadow') return;
        if (breaker.action === 'throttle' || breaker.state === 'half_open') {
          result.reasons.push({
            code: 'local_needs_server',
            detail: `breaker ${breaker.id} ${breaker.state === 'half_open' ? 'is probing' : 'throttles'}: ask the server`,
            breaker_id: breaker.id,
          });
          return;
        }
        result.breakers.push(breaker.id);
        result.reasons.push({ code: `breaker_${breaker.action}`, detail: `breaker ${breaker.id} is open`, breaker_id: breaker.id });
        if (breaker.action === 'block' || result.decision === 'allow') result.decision = breaker.action;
      };
      for (const breaker of unkeyed) consider(breaker);
      for (const [key, bucket] of index) {
        const value = request[key];
        if (value === undefined) continue;
        const list = bucket.get(value);
        if (list) for (const breaker of list) consider(breaker);
      }
      return result;
    },

    start(): Promise<boolean> {
      timer = setInterval(() => void refresh(), options.refreshMs ?? DEFAULT_REFRESH_MS);
      timer.unref();
      return refresh();
    },

    stop(): void {
      clearInterval(timer);
    },
  };
}

export type BreakerCache = ReturnType<typeof createBreakerCache>;
