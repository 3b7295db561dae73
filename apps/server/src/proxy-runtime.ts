import {
  createHttpFetch,
  createPriceBook,
  createRelay,
  upstreamsFromEnv,
  type PriceBook,
  type ProxyConfig,
  type Relay,
  type RelayOptions,
  type Upstream,
  type HttpFetch,
} from '@tollgate/proxy';
import { EgressRefusedError, type EgressGuard } from '@tollgate/egress';
import { listRateCards, type Store } from '@tollgate/store';
import { createCappedMap } from '@tollgate/vocabulary';

export interface ProxyRuntime {
  config: ProxyConfig;
  upstreams: Record<Upstream, string>;
  relay: Relay;
  /** Rate card prices of proxied sends, as last read from the store. */
  prices(): PriceBook;
  /** Reads the rate cards again now (after an import, or in tests); `start` does it every minute. */
  refreshPrices(): Promise<void>;
  /** Reads the rate cards, then keeps them fresh. */
  start(): Promise<void>;
  /** Stops the refresh and closes the connections kept open to the providers. */
  stop(): void;
}

// Rate cards change by import, a few times a month: a minute's lag prices a handful of sends at the old rate.
const PRICES_REFRESH_MS = 60_000;
/** Origins whose verdict is kept: the four upstreams and the services' status callback hosts. Bounded: callers name the callback URLs. */
const ADMITTED_ORIGINS = 1_000;

/**
 * The relay's client behind the egress guard: node's HTTP client with the guard's connect-time
 * lookup, each origin judged by the guard on its first request. Judging every request anew would
 * resolve the provider's name per send (a DNS round trip on the path of every OTP) and build the
 * guard's fetch objects; the lookup still judges every new connection, and the guard's allowlist
 * does not change while the server runs.
 */
function guardedUpstreamFetch(egress: EgressGuard): HttpFetch {
  const admitted = createCappedMap<true>(ADMITTED_ORIGINS);
  return createHttpFetch({
    lookup: egress.lookup,
    admit(url) {
      if (admitted.get(url.origin) !== undefined) return undefined;
      return egress.check(url).then((decision) => {
        if (!decision.allowed) throw new EgressRefusedError(decision);
        admitted.set(url.origin, true);
      });
    },
  });
}

/**
 * What the provider proxy keeps between requests: its callers (proxy.yaml), the provider hosts
 * (TOLLGATE_UPSTREAM_*), the relay with the one client every upstream request goes through, and
 * the prices of the imported rate cards.
 */
export function createProxyRuntime(deps: {
  store: Store;
  config: ProxyConfig;
  env: NodeJS.ProcessEnv;
  /** Judges every request to a provider and every connection (node's HTTP client unguarded without it, as in tests). */
  egress?: EgressGuard;
  relayOptions?: Partial<RelayOptions>;
  onError: (error: unknown) => void;
}): ProxyRuntime {
  const client = deps.egress === undefined ? createHttpFetch() : guardedUpstreamFetch(deps.egress);
  let prices = createPriceBook([]);
  let timer: NodeJS.Timeout | undefined;
  const refresh = async () => {
    prices = createPriceBook(await listRateCards(deps.store));
  };
  return {
    config: deps.config,
    upstreams: upstreamsFromEnv(deps.env),
    relay: createRelay({ fetch: client, options: deps.relayOptions }),
    prices: () => prices,
    refreshPrices: refresh,
    async start() {
      // Without prices a proxied send is recorded at the provider's own price or 0, not refused.
      await refresh().catch(deps.onError);
      timer = setInterval(() => refresh().catch(deps.onError), PRICES_REFRESH_MS);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      client.close();
    },
  };
}
