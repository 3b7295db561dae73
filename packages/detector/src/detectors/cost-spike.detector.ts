/**
 * Cost spikes: a destination costing far more per hour than usual while its volume is not what
 * moved (a price change, or traffic shifting to the premium prefixes of a country). Volume-driven
 * cost is the volume spike's money, not a second anomaly.
 */
import { describeScope } from '@tollgate/vocabulary';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { rateBaseline } from '../seasonal-baseline.ts';
import { MS_PER_MINUTE } from '../traffic-book.ts';

/** Cost per send must have risen by this factor for the cost to be the news. */
const UNIT_COST_RISE = 1.5;

export function detectCostSpikes(ctx: DetectionContext): Finding[] {
  const { book, config, nowMs } = ctx;
  const fromMs = nowMs - config.longWindowMs;
  const minutes = config.longWindowMs / MS_PER_MINUTE;
  const findings: Finding[] = [];
  // forEach, not for...of: a pair for each of the window's scopes at every step was garbage.
  ctx.window(fromMs, nowMs).forEach((sum, series) => {
    const level = series.level;
    if ((level !== 'country' && level !== 'provider_country') || series.firstSendMs >= fromMs) return;
    // Less spent in the window than the minimum excess cannot be a cost spike.
    if ((sum.costEstUsd / minutes) * 60 < config.minCostSpikeUsdPerHour) return;
    const baseline = rateBaseline(book, series, nowMs - MS_PER_MINUTE);
    if (!baseline || baseline.sendsPerMinute <= 0) return;
    const expected = baseline.costPerMinuteUsd * minutes;
    const excessPerHourUsd = ((sum.costEstUsd - expected) / minutes) * 60;
    if (excessPerHourUsd < config.minCostSpikeUsdPerHour || sum.costEstUsd < config.spikeRatio * expected) return;
    const usualUnit = baseline.costPerMinuteUsd / baseline.sendsPerMinute;
    const unit = sum.sends > 0 ? sum.costEstUsd / sum.sends : 0;
    if (unit < UNIT_COST_RISE * usualUnit) return;
    const spread = baseline.costSigmaPerMinuteUsd * minutes;
    findings.push({
      kind: 'cost_spike',
      scope: series.scope,
      severity: severityForCost(excessPerHourUsd, config.severityUsdPerHour),
      action: 'alert',
      score: (sum.costEstUsd - expected) / Math.max(0.01, spread, expected * 0.1),
      observed: sum.costEstUsd,
      expected,
      band: { low: Math.max(0, expected - 3 * spread), high: expected + 3 * spread },
      unit: `USD per ${minutes} min`,
      costPerHourUsd: excessPerHourUsd,
      windowStartMs: fromMs,
      windowEndMs: nowMs,
      summary: `${describeScope(series.scope)}: $${sum.costEstUsd.toFixed(2)} in ${minutes} min against $${expected.toFixed(2)} expected; $${unit.toFixed(3)} a send against $${usualUnit.toFixed(3)}`,
      contributors: [],
      facts: { level, costPerSendUsd: unit, usualCostPerSendUsd: usualUnit },
    });
  });
  return findings;
}
