/**
 * What finance reads: spend by country, provider and app over a range, billed against estimated,
 * and the month against its budgets with a month-end forecast. Served by `GET /v1/spend` and sent
 * every morning as the digest, so both say the same thing.
 */
import { forecastMonth, type BudgetStatus } from '@tollgate/alerting';
import type { Budget } from '@tollgate/detector';
import { scopeMoney, spendBreakdown, type SpendDimension, type Store } from '@tollgate/store';

const DAY_MS = 86_400_000;
/** Rows per dimension: more than there are countries, so the totals add up to every send. */
const ROWS = 300;

export interface SpendLine {
  key: string;
  sends: number;
  spendUsd: number;
  billedUsd: number;
  billedMessages: number;
}

export interface SpendReport {
  currency: 'USD';
  fromMs: number;
  toMs: number;
  totalUsd: number;
  billedUsd: number;
  sends: number;
  byCountry: SpendLine[];
  byProvider: SpendLine[];
  byApp: SpendLine[];
  /** Per provider and country, "provider country" keys: where a bill departs from the estimate. */
  byProviderCountry: SpendLine[];
  month: { startMs: number; toDateUsd: number; forecastUsd: number; budgets: BudgetStatus[] };
}

export async function spendReport(store: Store, params: { fromMs: number; toMs: number; nowMs: number; budgets: readonly Budget[] }): Promise<SpendReport> {
  const by = async (dimension: SpendDimension): Promise<SpendLine[]> =>
    (await spendBreakdown(store, { fromMs: params.fromMs, toMs: params.toMs, by: dimension, limit: ROWS })).map((row) => ({
      key: row.key,
      sends: row.sends,
      spendUsd: row.estimated_usd,
      billedUsd: row.billed_usd,
      billedMessages: row.billed_messages,
    }));
  const [byCountry, byProvider, byApp, byProviderCountry] = [await by('country'), await by('provider'), await by('app'), await by('provider_country')];
  const now = new Date(params.nowMs);
  const monthStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEndMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const spendOf = async (scopes: Budget['scope'][], fromMs: number) => (await scopeMoney(store, { fromMs, toMs: params.nowMs, scopes })).spendUsd;
  const everything = [{}];
  const month = forecastMonth({
    nowMs: params.nowMs,
    monthEndMs,
    toDateUsd: await spendOf(everything, monthStartMs),
    lastDayUsd: await spendOf(everything, params.nowMs - DAY_MS),
    budgets: await Promise.all(
      params.budgets.map(async (budget) => ({ budget, toDateUsd: await spendOf([budget.scope], monthStartMs), lastDayUsd: await spendOf([budget.scope], params.nowMs - DAY_MS) })),
    ),
  });
  return {
    currency: 'USD',
    fromMs: params.fromMs,
    toMs: params.toMs,
    totalUsd: round(byCountry.reduce((sum, line) => sum + line.spendUsd, 0)),
    billedUsd: round(byCountry.reduce((sum, line) => sum + line.billedUsd, 0)),
    sends: byCountry.reduce((sum, line) => sum + line.sends, 0),
    byCountry,
    byProvider,
    byApp,
    byProviderCountry,
    month: { startMs: monthStartMs, ...month },
  };
}

function round(usd: number): number {
  return Math.round(usd * 100) / 100;
}
