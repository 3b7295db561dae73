import type { Store } from '../store.ts';

/** One version of a provider's price to a country, as stored. */
export interface RateCardRecord {
  provider: string;
  country: string;
  /** Epoch ms, on the hour. */
  effective_from: number;
  price_usd: number;
  price: number;
  currency: string;
  /** The file (or API upload) it came from. */
  source: string;
  imported_at: number;
}

/** Minimum monthly spend one provider's contract charges, from `effective_from` on. */
export interface ProviderCommitmentRecord {
  provider: string;
  effective_from: number;
  monthly_minimum_usd: number;
  source: string;
  imported_at: number;
}

const toSeconds = (ms: number) => Math.floor(ms / 1000);

/** Writes rate card versions; a version already stored for the same route and hour is replaced. Query name: rate_cards.save. */
export async function saveRateCards(store: Store, records: readonly RateCardRecord[]): Promise<void> {
  if (records.length === 0) return;
  // DateTime columns take epoch seconds in JSONEachRow; DateTime64(3) takes epoch ms, as planned events do.
  const values = records.map((r) => ({ ...r, effective_from: toSeconds(r.effective_from) }));
  await store.client.insert({ table: 'rate_cards', values, format: 'JSONEachRow' });
}

/** Rate card versions, optionally of one provider and country, by route then effective date. Query name: rate_cards.list. */
export async function listRateCards(store: Store, filter: { provider?: string; country?: string } = {}): Promise<RateCardRecord[]> {
  const rs = await store.client.query({
    query: `SELECT provider, country, toUnixTimestamp(effective_from) * 1000 AS effective_from, price_usd, price, currency, source,
                   toUnixTimestamp64Milli(imported_at) AS imported_at
            FROM rate_cards FINAL
            WHERE ({provider:String} = '' OR provider = {provider:String}) AND ({country:String} = '' OR country = {country:String})
            ORDER BY provider, country, effective_from`,
    query_params: { provider: filter.provider ?? '', country: filter.country ?? '' },
    format: 'JSONEachRow',
  });
  return (await rs.json<RateCardRecord>()).map((r) => ({
    ...r,
    effective_from: Number(r.effective_from),
    imported_at: Number(r.imported_at),
  }));
}

/** Writes commitment versions; one already stored for the same provider and date is replaced. Query name: provider_commitments.save. */
export async function saveProviderCommitments(store: Store, records: readonly ProviderCommitmentRecord[]): Promise<void> {
  if (records.length === 0) return;
  const values = records.map((r) => ({ ...r, effective_from: toSeconds(r.effective_from) }));
  await store.client.insert({ table: 'provider_commitments', values, format: 'JSONEachRow' });
}

/** Every commitment version, by provider then effective date. Query name: provider_commitments.list. */
export async function listProviderCommitments(store: Store): Promise<ProviderCommitmentRecord[]> {
  const rs = await store.client.query({
    query: `SELECT provider, toUnixTimestamp(effective_from) * 1000 AS effective_from, monthly_minimum_usd, source,
                   toUnixTimestamp64Milli(imported_at) AS imported_at
            FROM provider_commitments FINAL
            ORDER BY provider, effective_from`,
    format: 'JSONEachRow',
  });
  return (await rs.json<ProviderCommitmentRecord>()).map((r) => ({
    ...r,
    effective_from: Number(r.effective_from),
    imported_at: Number(r.imported_at),
  }));
}
