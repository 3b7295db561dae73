/**
 * What finance reads: spend by country, provider and app over a range, billed against estimated,
 * and the month against its budgets with a month-end forecast. Served by `GET /v1/spend` and sent
 * every morning as the digest, so both say the same thing.
 */
import { forecastMonth, roundUsd, type BudgetStatus } from '@tollgate/alerting';
import type { Budget } from '@tollgate/detector';
import { scopeSpend, spendCells, type SpendCell, type Store } from '@tollgate/store';

const DAY_MS = 86_400_000;

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
  const cells = await spendCells(store, { fromMs: params.fromMs, toMs: params.toMs });
  const by = (keyOf: (cell: SpendCell) => string): SpendLine[] => {
    const lines = new Map<string, SpendLine>();
    for (const cell of cells) {
      const key = keyOf(cell);
      const line = lines.get(key) ?? { key, sends: 0, spendUsd: 0, billedUsd: 0, billedMessages: 0 };
      line.sends += cell.sends;
      line.spendUsd += cell.estimated_usd;
      line.billedUsd += cell.billed_usd;
      line.billedMessages += cell.billed_messages;
      lines.set(key, line);
    }
    return [...lines.values()]
      .map((line) => ({ ...line, spendUsd: roundUsd(line.spendUsd), billedUsd: roundUsd(line.billedUsd) }))
      .sort((a, b) => b.spendUsd - a.spendUsd || a.key.localeCompare(b.key));
  };
  const byCountry = by((cell) => cell.country);
  const byProvider = by((cell) => cell.provider);
  const byApp = by((cell) => cell.app);
  const byProviderCountry = by((cell) => `${cell.provider} ${cell.country}`);
  const now = new Date(params.nowMs);
  const monthStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEndMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  // The month to date and the last day, for all traffic and every budget, in one read of the rollup.
  const [all, ...perBudget] = await scopeSpend(store, {
    sinceMs: [monthStartMs, params.nowMs - DAY_MS],
    toMs: params.nowMs,
    scopes: [{}, ...params.budgets.map((budget) => budget.scope)],
  });
  const month = forecastMonth({
    nowMs: params.nowMs,
    monthEndMs,
    toDateUsd: all![0]!,
    lastDayUsd: all![1]!,
    budgets: params.budgets.map((budget, index) => ({ budget, toDateUsd: perBudget[index]![0]!, lastDayUsd: perBudget[index]![1]! })),
  });
  return {
    currency: 'USD',
    fromMs: params.fromMs,
    toMs: params.toMs,
    totalUsd: roundUsd(cells.reduce((sum, cell) => sum + cell.estimated_usd, 0)),
    billedUsd: roundUsd(cells.reduce((sum, cell) => sum + cell.billed_usd, 0)),
    sends: cells.reduce((sum, cell) => sum + cell.sends, 0),
    byCountry,
    byProvider,
    byApp,
    byProviderCountry,
    month: { startMs: monthStartMs, ...month },
  };
}
