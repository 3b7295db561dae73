/**
 * What finance reads: spend by country, provider and app over a range, billed against estimated,
 * the month against its budgets and the providers' minimum commitments with a month-end forecast,
 * and each contract reconciled month by month (billed against what the rate cards price). Served
 * by `GET /v1/spend` and sent every morning as the digest, so both say the same thing.
 */
import { forecastMonth, roundUsd, type BudgetStatus } from '@tollgate/alerting';
import type { Budget } from '@tollgate/detector';
import {
  contractReconciliation,
  listProviderCommitments,
  scopeSpend,
  spendCells,
  type ContractMonthRow,
  type SpendCell,
  type Store,
} from '@tollgate/store';

const DAY_MS = 86_400_000;

/** A provider's minimum monthly commitment against the month's spend. */
export interface CommitmentStatus {
  provider: string;
  label: string;
  /** The commitment in force this month, and since when. */
  monthlyMinimumUsd: number;
  effectiveFromMs: number;
  toDateUsd: number;
  forecastUsd: number;
  forecastShare: number;
  /** Paid for nothing if the month ends at this pace: the minimum less the forecast, or 0. */
  shortfallUsd: number;
}

/** One contract (provider and country) in one calendar month: billed against expected. */
export interface ReconciliationLine {
  /** "2026-11 twilio US": one row per month, provider and country. */
  key: string;
  month: string;
  provider: string;
  country: string;
  sends: number;
  estimatedUsd: number;
  /** Sends priced with the rate card in force at their hour; null when no card covers any of them. */
  contractUsd: number | null;
  unpricedSends: number;
  /** The contract's price where a card covers the sends, the services' estimate elsewhere. */
  expectedUsd: number;
  billedUsd: number;
  billedMessages: number;
  /** Billed messages per send: under 1 while bills are still to come. */
  billedShare: number;
  /** Billed less expected. */
  differenceUsd: number;
}

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
  month: { startMs: number; toDateUsd: number; forecastUsd: number; budgets: BudgetStatus[]; commitments: CommitmentStatus[] };
  /** The `reconciliationMonths` calendar months up to the one holding `toMs`, per provider and country. */
  reconciliation: ReconciliationLine[];
}

export async function spendReport(
  store: Store,
  // Reconciliation reads whole months of the rollup: only pages that show it ask for it (none by default).
  params: { fromMs: number; toMs: number; nowMs: number; budgets: readonly Budget[]; reconciliationMonths?: number },
): Promise<SpendReport> {
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
  const commitments = commitmentsInForce(await listProviderCommitments(store), monthStartMs);
  // Commitments are held like budgets of their provider: spend to date and the last day's pace.
  const held = [...params.budgets, ...commitments.map((c) => ({ scope: { provider: c.provider }, monthlyUsd: c.monthlyMinimumUsd }))];
  // The month to date and the last day, for all traffic, every budget and commitment, in one read of the rollup.
  const [all, ...perScope] = await scopeSpend(store, {
    sinceMs: [monthStartMs, params.nowMs - DAY_MS],
    toMs: params.nowMs,
    scopes: [{}, ...held.map((budget) => budget.scope)],
  });
  const forecast = forecastMonth({
    nowMs: params.nowMs,
    monthEndMs,
    toDateUsd: all![0]!,
    lastDayUsd: all![1]!,
    budgets: held.map((budget, index) => ({ budget, toDateUsd: perScope[index]![0]!, lastDayUsd: perScope[index]![1]! })),
  });
  const budgets = forecast.budgets.slice(0, params.budgets.length);
  const commitmentStatus = forecast.budgets.slice(params.budgets.length).map((status, index): CommitmentStatus => {
    const commitment = commitments[index]!;
    return {
      provider: commitment.provider,
      label: status.label,
      monthlyMinimumUsd: commitment.monthlyMinimumUsd,
      effectiveFromMs: commitment.effectiveFromMs,
      toDateUsd: status.toDateUsd,
      forecastUsd: status.forecastUsd,
      forecastShare: status.forecastShare,
      shortfallUsd: roundUsd(Math.max(0, commitment.monthlyMinimumUsd - status.forecastUsd)),
    };
  });
  const toDate = new Date(params.toMs - 1);
  const months = params.reconciliationMonths ?? 0;
  const reconcileFromMs = Date.UTC(toDate.getUTCFullYear(), toDate.getUTCMonth() - (months - 1), 1);
  const reconciliation =
    months > 0 ? (await contractReconciliation(store, { fromMs: reconcileFromMs, toMs: params.toMs })).map(reconciliationLine) : [];
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
    month: {
      startMs: monthStartMs,
      toDateUsd: forecast.toDateUsd,
      forecastUsd: forecast.forecastUsd,
      budgets,
      commitments: commitmentStatus,
    },
    reconciliation,
  };
}

/** Per provider, the commitment in force for the month starting at `monthStartMs` (a minimum of 0 ends one). */
function commitmentsInForce(
  versions: readonly { provider: string; effective_from: number; monthly_minimum_usd: number }[],
  monthStartMs: number,
) {
  const latest = new Map<string, { provider: string; monthlyMinimumUsd: number; effectiveFromMs: number }>();
  for (const version of versions) {
    // Versions come by provider and date: the last one not after the month wins.
    if (version.effective_from <= monthStartMs)
      latest.set(version.provider, {
        provider: version.provider,
        monthlyMinimumUsd: version.monthly_minimum_usd,
        effectiveFromMs: version.effective_from,
      });
  }
  return [...latest.values()].filter((c) => c.monthlyMinimumUsd > 0);
}

function reconciliationLine(row: ContractMonthRow): ReconciliationLine {
  const month = new Date(row.month).toISOString().slice(0, 7);
  const unpricedShare = row.sends > 0 ? row.unpriced_sends / row.sends : 1;
  const expectedUsd = row.contract_usd + row.estimated_usd * unpricedShare;
  return {
    key: `${month} ${row.provider} ${row.country}`,
    month,
    provider: row.provider,
    country: row.country,
    sends: row.sends,
    estimatedUsd: roundUsd(row.estimated_usd),
    contractUsd: row.sends > 0 && row.unpriced_sends === row.sends ? null : roundUsd(row.contract_usd),
    unpricedSends: row.unpriced_sends,
    expectedUsd: roundUsd(expectedUsd),
    billedUsd: roundUsd(row.billed_usd),
    billedMessages: row.billed_messages,
    billedShare: row.sends > 0 ? Math.round((row.billed_messages / row.sends) * 1000) / 1000 : 0,
    differenceUsd: roundUsd(row.billed_usd - expectedUsd),
  };
}
