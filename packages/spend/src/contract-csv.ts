/**
 * Provider contract files: rate cards (price per message per provider and country, from a date)
 * and minimum monthly commitments (per provider, from a month). One CSV reader for both, the kind
 * told by the header (a monthly_minimum column makes it a commitments file); every bad row is
 * rejected with its line, field and the fix, and the good rows of a mixed file still count.
 */
import { isKnownCountry, isKnownCurrency, readCsvTable, toUsd, type CsvColumn, type Rejection } from '@tollgate/events';
import type { ProviderCommitmentRecord, RateCardRecord } from '@tollgate/store';

export type RateCardRow = Omit<RateCardRecord, 'source' | 'imported_at'>;
export type CommitmentRow = Omit<ProviderCommitmentRecord, 'source' | 'imported_at'>;

export type ContractCsv =
  | { kind: 'rate_card'; rows: { line: number; row: RateCardRow }[]; rejected: Rejection[] }
  | { kind: 'commitments'; rows: { line: number; row: CommitmentRow }[]; rejected: Rejection[] };

const HOUR_MS = 3_600_000;
/** Send events name providers in at most 64 characters, without spaces. */
const PROVIDER = /^\S{1,64}$/;
const NUMBER = /^\d+(?:\.\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})(?:-01)?$/;
/** The dearest SMS routes cost about a dollar a message: past a hundred the figure is a typo. */
const MAX_PRICE_USD = 100;
/** A billion dollars a month: past it the figure is a typo, not a contract. */
const MAX_MONTHLY_MINIMUM_USD = 1e9;

const RATE_CARD_COLUMNS = {
  provider: { aliases: ['provider'], required: true },
  country: { aliases: ['country', 'country_code', 'destination'], required: true },
  price: { aliases: ['price', 'price_usd', 'rate', 'price_per_message'], required: true },
  currency: { aliases: ['currency'], required: false },
  effective_from: { aliases: ['effective_from', 'effective_date', 'valid_from', 'effective'], required: true },
} satisfies Record<string, CsvColumn>;

const COMMITMENT_COLUMNS = {
  provider: { aliases: ['provider'], required: true },
  monthly_minimum: { aliases: ['monthly_minimum', 'monthly_minimum_usd', 'minimum_commitment', 'commitment'], required: true },
  currency: { aliases: ['currency'], required: false },
  effective_from: { aliases: ['effective_from', 'effective_month', 'valid_from', 'effective'], required: true },
} satisfies Record<string, CsvColumn>;

/** Reads a rate card or a commitments file; which one is told by its header. */
export function parseContractCsv(text: string): ContractCsv {
  const header = (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '').toLowerCase().replace(/[\s-]+/g, '_');
  const isCommitments = COMMITMENT_COLUMNS.monthly_minimum.aliases.some((alias) => new RegExp(`(^|[,"])${alias}($|[,"])`).test(header));
  return isCommitments ? parseCommitments(text) : parseRateCard(text);
}

function parseRateCard(text: string): ContractCsv {
  const table = readCsvTable(text, RATE_CARD_COLUMNS, 'rate (provider, country, price, effective_from)');
  const rejected = [...table.rejected];
  const rows: { line: number; row: RateCardRow }[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of table.rows) {
    const reject = (field: string, reason: string) => rejected.push({ line, field, reason });
    const provider = readProvider(cells.provider, reject);
    const country = readCountry(cells.country, reject);
    const currency = readCurrency(cells.currency, reject);
    const price = readAmount(cells.price, 'price', currency, MAX_PRICE_USD, reject);
    const effectiveFrom = readEffectiveHour(cells.effective_from, reject);
    if (provider === undefined || country === undefined || currency === undefined || price === undefined || effectiveFrom === undefined)
      continue;
    const key = `${provider}|${country}|${effectiveFrom}`;
    const first = seen.get(key);
    if (first !== undefined) {
      reject('effective_from', `line ${first} already prices ${provider} to ${country} from this date: keep one`);
      continue;
    }
    seen.set(key, line);
    rows.push({ line, row: { provider, country, effective_from: effectiveFrom, price_usd: price.usd, price: price.amount, currency } });
  }
  return { kind: 'rate_card', rows, rejected: sortByLine(rejected) };
}

function parseCommitments(text: string): ContractCsv {
  const table = readCsvTable(text, COMMITMENT_COLUMNS, 'commitment (provider, monthly_minimum, effective_from)');
  const rejected = [...table.rejected];
  const rows: { line: number; row: CommitmentRow }[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of table.rows) {
    const reject = (field: string, reason: string) => rejected.push({ line, field, reason });
    const provider = readProvider(cells.provider, reject);
    const currency = readCurrency(cells.currency, reject);
    const minimum = readAmount(cells.monthly_minimum, 'monthly_minimum', currency, MAX_MONTHLY_MINIMUM_USD, reject);
    const effectiveFrom = readEffectiveMonth(cells.effective_from, reject);
    if (provider === undefined || currency === undefined || minimum === undefined || effectiveFrom === undefined) continue;
    const key = `${provider}|${effectiveFrom}`;
    const first = seen.get(key);
    if (first !== undefined) {
      reject('effective_from', `line ${first} already sets ${provider}'s commitment from this month: keep one`);
      continue;
    }
    seen.set(key, line);
    rows.push({ line, row: { provider, effective_from: effectiveFrom, monthly_minimum_usd: minimum.usd } });
  }
  return { kind: 'commitments', rows, rejected: sortByLine(rejected) };
}

type Reject = (field: string, reason: string) => void;

function readProvider(cell: string | undefined, reject: Reject): string | undefined {
  if (cell !== undefined && PROVIDER.test(cell)) return cell;
  reject(
    'provider',
    cell === undefined
      ? 'missing: name the provider as the send events do (twilio, vonage...)'
      : `"${cell}" is not a provider name: at most 64 characters, no spaces`,
  );
  return undefined;
}

function readCountry(cell: string | undefined, reject: Reject): string | undefined {
  const country = cell?.toUpperCase();
  if (country !== undefined && isKnownCountry(country)) return country;
  reject('country', `expected an ISO 3166 country code such as "US", got "${cell ?? ''}"`);
  return undefined;
}

function readCurrency(cell: string | undefined, reject: Reject): string | undefined {
  const currency = (cell ?? 'USD').toUpperCase();
  if (isKnownCurrency(currency)) return currency;
  reject('currency', `unknown currency "${cell}": use an ISO 4217 code such as USD or EUR`);
  return undefined;
}

function readAmount(
  cell: string | undefined,
  field: string,
  currency: string | undefined,
  maxUsd: number,
  reject: Reject,
): { amount: number; usd: number } | undefined {
  if (cell === undefined || !NUMBER.test(cell)) {
    reject(field, `expected a non-negative number such as 0.0079, got "${cell ?? ''}"`);
    return undefined;
  }
  const amount = Number(cell);
  if (currency === undefined) return undefined;
  const usd = toUsd(amount, currency) as number;
  if (usd > maxUsd) {
    reject(field, `${amount} ${currency} is more than ${maxUsd} USD: check the decimal point and the currency`);
    return undefined;
  }
  return { amount, usd };
}

/** A date (midnight UTC) or an ISO-8601 time with its zone, on the hour: prices apply per hour of sends. */
function readEffectiveHour(cell: string | undefined, reject: Reject): number | undefined {
  const date = cell === undefined ? undefined : DATE.exec(cell);
  const ms =
    cell === undefined
      ? Number.NaN
      : date
        ? Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]))
        : /[zZ]|[+-]\d{2}:?\d{2}$/.test(cell)
          ? Date.parse(cell)
          : Number.NaN;
  if (Number.isNaN(ms) || (date && new Date(ms).getUTCDate() !== Number(date[3]))) {
    reject(
      'effective_from',
      `expected a date such as 2026-12-01 or an ISO-8601 time with its zone such as 2026-12-01T00:00:00Z, got "${cell ?? ''}"`,
    );
    return undefined;
  }
  if (ms % HOUR_MS !== 0) {
    reject('effective_from', `"${cell}" is not on the hour: prices apply per hour of sends, so a card takes effect at a whole hour`);
    return undefined;
  }
  return ms;
}

/** A month (2026-12 or 2026-12-01): commitments are monthly minimums. */
function readEffectiveMonth(cell: string | undefined, reject: Reject): number | undefined {
  const month = cell === undefined ? undefined : MONTH.exec(cell);
  const monthIndex = month ? Number(month[2]) - 1 : -1;
  if (!month || monthIndex < 0 || monthIndex > 11) {
    reject('effective_from', `expected the first month the commitment applies to, such as 2026-12 or 2026-12-01, got "${cell ?? ''}"`);
    return undefined;
  }
  return Date.UTC(Number(month[1]), monthIndex, 1);
}

function sortByLine(rejected: Rejection[]): Rejection[] {
  return rejected.sort((a, b) => a.line - b.line);
}
