/**
 * Finance's view of the money, as pure functions: the month-end forecast against budgets, and the
 * morning digest that says where yesterday's spend went and what incidents cost.
 */
import { describeScope } from '@tollgate/vocabulary';

const HOUR_MS = 3_600_000;

export interface BudgetInput {
  budget: { scope: { app?: string; country?: string; provider?: string }; monthlyUsd: number };
  toDateUsd: number;
  lastDayUsd: number;
}

export interface BudgetStatus {
  scope: { app?: string; country?: string; provider?: string };
  label: string;
  monthlyUsd: number;
  toDateUsd: number;
  forecastUsd: number;
  /** Forecast over budget: what finance acts on. */
  forecastShare: number;
}

/**
 * The month so far and where it ends at the last day's pace (the detector's budget_burn uses the
 * same forecast, so the digest and the alert agree).
 */
export function forecastMonth(input: {
  nowMs: number;
  monthEndMs: number;
  toDateUsd: number;
  lastDayUsd: number;
  budgets: readonly BudgetInput[];
}): {
  toDateUsd: number;
  forecastUsd: number;
  budgets: BudgetStatus[];
} {
  const remainingHours = Math.max(0, (input.monthEndMs - input.nowMs) / HOUR_MS);
  const forecast = (toDate: number, lastDay: number) => roundUsd(toDate + (lastDay / 24) * remainingHours);
  return {
    toDateUsd: roundUsd(input.toDateUsd),
    forecastUsd: forecast(input.toDateUsd, input.lastDayUsd),
    budgets: input.budgets.map(({ budget, toDateUsd, lastDayUsd }) => {
      const forecastUsd = forecast(toDateUsd, lastDayUsd);
      return {
        scope: budget.scope,
        label: describeScope(budget.scope),
        monthlyUsd: budget.monthlyUsd,
        toDateUsd: roundUsd(toDateUsd),
        forecastUsd,
        forecastShare: budget.monthlyUsd > 0 ? Math.round((forecastUsd / budget.monthlyUsd) * 1000) / 1000 : 0,
      };
    }),
  };
}

export interface DigestInput {
  /** The UTC day the digest covers, YYYY-MM-DD. */
  day: string;
  totalUsd: number;
  billedUsd: number;
  sends: number;
  /** The average day of the week before, for "up 40 %". */
  previousDailyUsd: number;
  byCountry: Array<{ key: string; spendUsd: number }>;
  byProvider: Array<{ key: string; spendUsd: number; billedUsd: number }>;
  byApp: Array<{ key: string; spendUsd: number }>;
  month: { toDateUsd: number; forecastUsd: number; budgets: BudgetStatus[] };
  incidents: Array<{ id: string; title: string; spendUsd: number; preventedUsd: number }>;
}

const TOP = 5;

/** The digest as a title and Slack mrkdwn text: totals, top places, budgets, incidents' cost. */
export function composeSpendDigest(input: DigestInput): { title: string; text: string } {
  const change =
    input.previousDailyUsd > 0
      ? ` (${signedPercent(input.totalUsd / input.previousDailyUsd - 1)} against the previous 7 days' average)`
      : '';
  const top = (rows: Array<{ key: string; spendUsd: number }>) =>
    rows.length === 0
      ? 'none'
      : rows
          .slice(0, TOP)
          .map((row) => `${row.key || '(unknown)'} ${usd(row.spendUsd)}`)
          .join(' · ');
  const lines = [
    `*Spend ${input.day}:* ${usd(input.totalUsd)} estimated over ${input.sends.toLocaleString('en-US')} sends${change}; billed so far ${usd(input.billedUsd)}.`,
    `*By country:* ${top(input.byCountry)}`,
    `*By provider:* ${top(input.byProvider)}`,
    `*By app:* ${top(input.byApp)}`,
    `*Month to date:* ${usd(input.month.toDateUsd)}, forecast ${usd(input.month.forecastUsd)} at the end of the month.`,
  ];
  if (input.month.budgets.length > 0) {
    const worst = [...input.month.budgets].sort((a, b) => b.forecastShare - a.forecastShare);
    lines.push(
      `*Budgets:* ${worst
        .map(
          (budget) =>
            `${budget.forecastShare >= 1 ? ':warning: ' : ''}${budget.label} ${usd(budget.toDateUsd)} of ${usd(budget.monthlyUsd)} (forecast ${Math.round(budget.forecastShare * 100)} %)`,
        )
        .join(' · ')}`,
    );
  }
  if (input.incidents.length > 0) {
    const cost = input.incidents.reduce((sum, incident) => sum + incident.spendUsd, 0);
    const saved = input.incidents.reduce((sum, incident) => sum + incident.preventedUsd, 0);
    lines.push(`*Incidents:* ${input.incidents.length}, costing ${usd(cost)} while open; breakers prevented ${usd(saved)}.`);
    for (const incident of [...input.incidents].sort((a, b) => b.spendUsd - a.spendUsd).slice(0, TOP)) {
      lines.push(`• ${incident.title}: ${usd(incident.spendUsd)} spent, ${usd(incident.preventedUsd)} prevented (${incident.id})`);
    }
  } else {
    lines.push('*Incidents:* none opened.');
  }
  return { title: `Daily SMS spend ${input.day}: ${usd(input.totalUsd)}`, text: lines.join('\n') };
}

function usd(amount: number): string {
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function signedPercent(share: number): string {
  const percent = Math.round(share * 100);
  return `${percent >= 0 ? '+' : ''}${percent} %`;
}

/** Money to the cent, as finance reads it. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 100) / 100;
}
