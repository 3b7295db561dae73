/**
 * Budget burn: spend of an app, country or provider this month against its configured budget, with
 * a month-end forecast from the last day's pace. Finance's alert: it never suggests a block.
 */
import { describeScope } from '@tollgate/vocabulary';
import type { Budget } from '../detector-config.ts';
import type { DetectionContext } from '../detection-context.ts';
import type { Finding } from '../finding.ts';
import type { ScopeLevel } from '../scope.ts';
import { MS_PER_DAY, MS_PER_HOUR, type ScopeSeries } from '../traffic-book.ts';

/** A forecast past this share of the budget is worth a word before the money is gone. */
const FORECAST_WARNING_SHARE = 1;

function levelFor(scope: Budget['scope']): ScopeLevel {
  if (scope.provider !== undefined) return 'provider_country';
  if (scope.country !== undefined) return 'country';
  return 'app_flow';
}

function matches(series: ScopeSeries, scope: Budget['scope']): boolean {
  return (
    (scope.app === undefined || series.scope.app === scope.app) &&
    (scope.country === undefined || series.scope.country === scope.country) &&
    (scope.provider === undefined || series.scope.provider === scope.provider)
  );
}

export function detectBudgetBurn(ctx: DetectionContext): Finding[] {
  const { book, config, nowMs } = ctx;
  const now = new Date(nowMs);
  const monthStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEndMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const findings: Finding[] = [];
  for (const budget of config.budgets) {
    let monthToDate = 0;
    let lastDay = 0;
    for (const series of book.levels.get(levelFor(budget.scope))?.values() ?? []) {
      if (!matches(series, budget.scope)) continue;
      monthToDate += book.spanSum(series, monthStartMs, nowMs).costEstUsd;
      lastDay += book.spanSum(series, nowMs - MS_PER_DAY, nowMs).costEstUsd;
    }
    const remainingHours = (monthEndMs - nowMs) / MS_PER_HOUR;
    const forecast = monthToDate + (lastDay / 24) * remainingHours;
    if (forecast < FORECAST_WARNING_SHARE * budget.monthlyUsd) continue;
    const over = monthToDate >= budget.monthlyUsd;
    const scope = { ...budget.scope };
    findings.push({
      kind: 'budget_burn',
      scope,
      severity: over ? 'critical' : forecast >= 1.2 * budget.monthlyUsd ? 'high' : 'medium',
      action: 'alert',
      score: forecast / budget.monthlyUsd,
      observed: monthToDate,
      expected: budget.monthlyUsd,
      band: { low: 0, high: budget.monthlyUsd },
      unit: 'USD this month',
      costPerHourUsd: lastDay / 24,
      windowStartMs: monthStartMs,
      windowEndMs: nowMs,
      summary: `${describeScope(scope)}: $${monthToDate.toFixed(0)} spent this month of a $${budget.monthlyUsd.toFixed(0)} budget; month-end forecast $${forecast.toFixed(0)}`,
      contributors: [],
      facts: { forecastUsd: forecast, budgetUsd: budget.monthlyUsd, lastDayUsd: lastDay },
    });
  }
  return findings;
}
