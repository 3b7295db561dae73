/**
 * Volume spikes: sends of a scope far above its seasonal expectation in the short window (a burst)
 * or the long one (a ramp). Scopes younger than the window are new destinations, judged elsewhere.
 */
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { rateBaseline, seenWholeDays } from '../seasonal-baseline.ts';
import { countZScore } from '../statistics/robust-spread.ts';
import { MS_PER_MINUTE } from '../traffic-book.ts';
import { costPerSendUsd } from '../counters.ts';
import { describeScope } from '@tollgate/vocabulary';
import { plannedVolumeMultiplier } from '../planned-event.ts';

export function detectVolumeSpikes(ctx: DetectionContext): Finding[] {
  const { book, config, nowMs } = ctx;
  const findings: Finding[] = [];
  const windows = [
    { ms: config.shortWindowMs, minExcess: config.minExcessSendsShort },
    { ms: config.longWindowMs, minExcess: config.minExcessSendsLong },
  ];
  const sums = windows.map((window) => ctx.window(nowMs - window.ms, nowMs));
  const active = sums[sums.length - 1] ?? new Map();
  // forEach, not for...of: an iteration result for each of the window's scopes at every step was garbage.
  active.forEach((_sum, series) => {
    const level = series.level;
    if (series.firstSendMs >= nowMs - config.longWindowMs) return;
    // No baseline can make fewer sends than the minimum excess a spike. (A loop, not `some`: no
    // closure for every scope at every step.)
    let enough = false;
    for (let i = 0; i < windows.length && !enough; i += 1) enough = (sums[i]?.get(series)?.sends ?? 0) >= (windows[i]?.minExcess ?? 0);
    if (!enough) return;
    const baseline = rateBaseline(book, series, nowMs - MS_PER_MINUTE);
    // A deployment's first days judge nothing on the last hours' level (the sparse and trend
    // baselines wait the same way); later, that level is what a young scope has.
    if (!baseline || (baseline.method === 'recent_level' && !seenWholeDays(book))) return;
    // A declared campaign's volume is the expectation inside its scope and window.
    const planned = plannedVolumeMultiplier(ctx.planned, series.scope, nowMs - MS_PER_MINUTE);
    let best: Finding | undefined;
    for (const [i, window] of windows.entries()) {
      const minutes = window.ms / MS_PER_MINUTE;
      const sum = sums[i]?.get(series);
      if (!sum) continue;
      const expected = baseline.sendsPerMinute * minutes * planned;
      const spread = baseline.sendsSigmaPerMinute * minutes * planned;
      const z = countZScore(sum.sends, expected, spread);
      const excess = sum.sends - expected;
      if (excess < window.minExcess || z < config.spikeZ || sum.sends < config.spikeRatio * Math.max(expected, 1)) continue;
      if (best && best.score >= z) continue;
      const costPerHourUsd = (excess / minutes) * 60 * costPerSendUsd(sum);
      const margin = config.spikeZ * Math.sqrt(Math.max(1, expected + spread * spread));
      best = {
        kind: 'volume_spike',
        scope: series.scope,
        severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
        action: 'alert',
        score: z,
        observed: sum.sends,
        expected,
        band: { low: Math.max(0, expected - margin), high: expected + margin },
        unit: `sends per ${minutes} min`,
        costPerHourUsd,
        windowStartMs: nowMs - window.ms,
        windowEndMs: nowMs,
        summary: `${describeScope(series.scope)}: ${sum.sends} sends in ${minutes} min, ${(sum.sends / Math.max(expected, 0.1)).toFixed(1)}x the ${expected.toFixed(1)} expected`,
        contributors: [],
        facts: {
          baseline: baseline.method,
          baselineSamples: baseline.samples,
          level,
          ...(planned > 1 ? { plannedMultiplier: planned } : {}),
        },
      };
    }
    if (best) findings.push(best);
  });
  return findings;
}
