/**
 * Spend is compared across providers and countries in one unit, so every cost is converted to USD
 * when it is ingested. The table is static on purpose: detection needs stable, explainable
 * numbers, not accounting precision, and a live FX feed would be one more thing to fail on the
 * ingest path. Rates are approximate mid-market reference rates of 2024-06-28 (end of Q2 2024),
 * rounded, in units of the currency per 1 USD. Refresh them with a dated commit when they drift.
 */
export const FX_RATES_DATE = '2024-06-28';

export const UNITS_PER_USD: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 0.933,
  GBP: 0.791,
  CHF: 0.899,
  SEK: 10.6,
  NOK: 10.65,
  DKK: 6.96,
  PLN: 4.02,
  CZK: 23.4,
  HUF: 369,
  RON: 4.64,
  TRY: 32.8,
  RUB: 85.5,
  UAH: 40.5,
  ILS: 3.76,
  AED: 3.6725,
  SAR: 3.75,
  QAR: 3.64,
  KWD: 0.307,
  EGP: 48.0,
  NGN: 1480,
  KES: 129,
  GHS: 15.2,
  ZAR: 18.3,
  MAD: 9.95,
  INR: 83.4,
  PKR: 278,
  BDT: 117.5,
  LKR: 305,
  NPR: 133.5,
  IDR: 16375,
  MYR: 4.72,
  PHP: 58.6,
  THB: 36.7,
  VND: 25450,
  SGD: 1.356,
  HKD: 7.81,
  CNY: 7.27,
  TWD: 32.5,
  KRW: 1380,
  JPY: 160.9,
  AUD: 1.5,
  NZD: 1.64,
  CAD: 1.368,
  MXN: 18.3,
  BRL: 5.59,
  ARS: 912,
  CLP: 943,
  COP: 4150,
  PEN: 3.83,
  UYU: 39.4,
  KZT: 471,
  UZS: 12600,
};

export function isKnownCurrency(currency: string): boolean {
  return Object.hasOwn(UNITS_PER_USD, currency);
}

/** Converts with the static table; undefined for a currency the table lacks (validation rejects those first). */
export function toUsd(amount: number, currency: string): number | undefined {
  const unitsPerUsd = isKnownCurrency(currency) ? UNITS_PER_USD[currency] : undefined;
  return unitsPerUsd === undefined ? undefined : amount / unitsPerUsd;
}
