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
  type UpstreamFetch,
} from '@tollgate/proxy';
import { listRateCards, type Store } from '@tollgate/store';

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
  stop(): void;
}

// Rate cards change by import, a few times a month: a minute's lag prices a handful of sends at the old rate.
const PRICES_REFRESH_MS = 60_000;

/**
 * What the provider proxy keeps between requests: its callers (proxy.yaml), the provider hosts
 * (TOLLGATE_UPSTREAM_*), the relay with the one `fetch` every upstream request goes through, and
 * the prices of the imported rate cards.
 */
export function createProxyRuntime(deps: {
  store: Store;
  config: ProxyConfig;
  env: NodeJS.ProcessEnv;
  /** Every request to a provider goes through it: the place for an egress guard. */
  fetch?: UpstreamFetch;
  relayOptions?: Partial<RelayOptions>;
  onError: (error: unknown) => void;
}): ProxyRuntime {
  let prices = createPriceBook([]);
  let timer: NodeJS.Timeout | undefined;
  const refresh = async () => {
    prices = createPriceBook(await listRateCards(deps.store));
  };
  return {
    config: deps.config,
    upstreams: upstreamsFromEnv(deps.env),
    relay: createRelay({ fetch: deps.fetch ?? createHttpFetch(), options: deps.relayOptions }),
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
    },
  };
}
