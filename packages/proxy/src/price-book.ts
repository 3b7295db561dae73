/** One version of a provider's price to a country, as the rate cards store it. */
export interface RatePoint {
  provider: string;
  country: string;
  /** Epoch ms the price applies from. */
  effective_from: number;
  price_usd: number;
}

/** Prices of proxied sends, from the imported rate cards: the version in force when the send happened. */
export interface PriceBook {
  priceUsd(provider: string, country: string, atMs: number): number | undefined;
}

export function createPriceBook(rates: readonly RatePoint[]): PriceBook {
  const routes = new Map<string, RatePoint[]>();
  for (const rate of rates) {
    const key = `${rate.provider}\u0000${rate.country}`;
    const versions = routes.get(key) ?? [];
    versions.push(rate);
    routes.set(key, versions);
  }
  for (const versions of routes.values()) versions.sort((a, b) => b.effective_from - a.effective_from);
  return {
    priceUsd(provider, country, atMs) {
      return routes.get(`${provider}\u0000${country}`)?.find((version) => version.effective_from <= atMs)?.price_usd;
    },
  };
}
