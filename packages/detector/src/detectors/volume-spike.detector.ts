/**
 * Volume spikes: sends of a scope far above its seasonal expectation in the short window (a burst)
 * or the long one (a ramp), whose sessions went unverified. Scopes younger than the window are new
 * destinations, judged elsewhere.
 */
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { rateBaseline, seenWholeDays, shareBaseline } from '../seasonal-baseline.ts';
import { log10Tail, logBinomialTail } from '../statistics/count-tails.ts';
import { countZScore } from '../statistics/robust-spread.ts';
import { MS_PER_MINUTE, type ScopeSeries } from '../traffic-book.ts';
import { costPerSendUsd, reachableSessions } from '../counters.ts';
import { unverified } from '../unverified-sessions.ts';

/**
 * A surge whose people verify is not what this detector warns of: a campaign nobody declared, a
 * holiday, a country's traffic wandering from its usual day (real traffic moves 10 to 30 % from one
 * day to the next, more than a few earlier days' spread can show). Pumped and scripted sessions
 * never verify, so a spike is raised only when the window's sessions old enough to have verified
 * left more unverified than the scope's usual conversion explains, at this level.
 */
const SURGE_UNVERIFIED_LOG10_LEVEL = -3;
/**
 * At the grace some people who will verify have not yet, and the usual conversion is a week's
 * final one: the unverified share it leaves is taken this much larger, plus two in a hundred.
 */
const LATE_VERIFY_SLACK = 1.5;
const LATE_VERIFY_FLOOR = 0.02;

/** The window's matured sessions, how many went unverified, and how unlikely that many are at the usual conversion. */
interface UnverifiedSurge {
  matured: number;
  unverified: number;
  usualUnverifiedShare: number;
  log10P: number;
}

function unverifiedSurge(ctx: DetectionContext, series: ScopeSeries, fromMs: number): UnverifiedSurge | undefined {
  const share = shareBaseline(ctx.book, series, ctx.nowMs - MS_PER_MINUTE);
  if (!share) return undefined;
  const graceFrom = ctx.nowMs - ctx.config.unverifiedGraceMs;
  const sum = graceFrom > fromMs ? ctx.window(fromMs, graceFrom).get(series) : undefined;
  const matured = sum ? reachableSessions(sum) : 0;
  const left = unverified(sum);
  const usualUnverifiedShare = Math.min(1, (1 - share.conversion) * LATE_VERIFY_SLACK + LATE_VERIFY_FLOOR);
  return { matured, unverified: left, usualUnverifiedShare, log10P: log10Tail(logBinomialTail(left, matured, usualUnverifiedShare)) };
}
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
      // Without a week's conversion to hold it to (a scope's first hours), the spike stands on its volume.
      const surge = unverifiedSurge(ctx, series, nowMs - window.ms);
      if (surge && surge.log10P > SURGE_UNVERIFIED_LOG10_LEVEL) continue;
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
        summary:
          `${describeScope(series.scope)}: ${sum.sends} sends in ${minutes} min, ${(sum.sends / Math.max(expected, 0.1)).toFixed(1)}x the ${expected.toFixed(1)} expected` +
          (surge
            ? `; ${surge.unverified} of ${surge.matured} sessions past the grace unverified, where about ${(surge.matured * surge.usualUnverifiedShare).toFixed(1)} are usual`
            : ''),
        contributors: [],
        facts: {
          baseline: baseline.method,
          baselineSamples: baseline.samples,
          level,
          ...(surge
            ? {
                maturedSessions: surge.matured,
                unverifiedSessions: surge.unverified,
                usualUnverifiedShare: Number(surge.usualUnverifiedShare.toFixed(3)),
                unverifiedLog10P: Number(surge.log10P.toFixed(1)),
              }
            : {}),
          ...(planned > 1 ? { plannedMultiplier: planned } : {}),
        },
      };
    }
    if (best) findings.push(best);
  });
  return findings;
}
