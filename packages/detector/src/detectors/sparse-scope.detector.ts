/**
 * Sparse scopes in minutes: prefixes and countries whose usual traffic is a few sessions an hour
 * or less, tested every minute with the exact Poisson tail of their unverified sessions against
 * their hour-of-week expectation shrunk toward the parent scope. Two or three pumped sessions a
 * minute into a prefix that sees one a day are certain within minutes, long before they move a
 * country's or the app's volume, and long before a conversion window closes.
 */
import { describeScope } from '@tollgate/vocabulary';
import { costPerSendUsd } from '../counters.ts';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { plannedVolumeMultiplier } from '../planned-event.ts';
import { sessionBaseline } from '../seasonal-baseline.ts';
import { logPoissonTail } from '../statistics/count-tails.ts';
import { MS_PER_MINUTE } from '../traffic-book.ts';
import { expectedUnverified, minutesOf, observedUnverified } from '../unverified-sessions.ts';

export function detectSparseScopes(ctx: DetectionContext): Finding[] {
  const { book, config, nowMs } = ctx;
  const longest = Math.max(...config.sparseWindowsMs);
  const logAlpha = Math.log(config.sparseAlpha);
  const graceMinutes = minutesOf(config.unverifiedGraceMs);
  const findings: Finding[] = [];
  for (const [series, recent] of ctx.window(nowMs - longest, nowMs)) {
    if (series.level !== 'prefix' && series.level !== 'country') continue;
    if (recent.sessions < config.sparseMinSessions) continue;
    const baseline = sessionBaseline(book, series, nowMs - MS_PER_MINUTE, nowMs);
    if (!baseline) continue;
    const planned = plannedVolumeMultiplier(ctx.planned, series.scope, nowMs - MS_PER_MINUTE);
    let best: { logP: number; observed: number; expected: number; windowMs: number } | undefined;
    for (const windowMs of config.sparseWindowsMs) {
      const observed = observedUnverified(ctx, series, nowMs - windowMs);
      if (observed < config.sparseMinSessions) continue;
      const expected = expectedUnverified(baseline, minutesOf(windowMs), graceMinutes) * planned;
      const logP = logPoissonTail(observed, expected * slack(expected, config.sparseSlack));
      if (logP <= logAlpha && (!best || logP < best.logP)) best = { logP, observed, expected, windowMs };
    }
    if (!best) continue;
    const minutes = minutesOf(best.windowMs);
    const sums = ctx.window(nowMs - best.windowMs, nowMs).get(series);
    const excessSessions = best.observed - best.expected;
    const sendsPerSession = sums && sums.sessions > 0 ? sums.sends / sums.sessions : 1;
    const costPerHourUsd = (excessSessions / minutes) * 60 * sendsPerSession * (sums ? costPerSendUsd(sums) : 0);
    const parent = baseline.parent === 'country' ? `its country's hour-of-week profile` : 'the whole traffic';
    findings.push({
      kind: 'volume_spike',
      scope: series.scope,
      severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
      action: 'alert',
      score: -best.logP / Math.LN10,
      observed: best.observed,
      expected: best.expected,
      band: { low: 0, high: best.expected * slack(best.expected, config.sparseSlack) },
      unit: `unverified sessions in ${minutes} min`,
      costPerHourUsd,
      windowStartMs: nowMs - best.windowMs,
      windowEndMs: nowMs,
      summary:
        `${describeScope(series.scope)}: ${best.observed} unverified sessions in ${minutes} min where ${best.expected.toFixed(2)} were expected ` +
        `(${(baseline.sessionsPerMinute * 60).toFixed(2)} sessions an hour at this hour of the week, ${(baseline.conversion * 100).toFixed(0)}% verifying; ` +
        `${baseline.ownSamples} own same-hour samples shrunk toward ${parent}); chance under that expectation 1 in ${formatOdds(best.logP)}`,
      contributors: [],
      facts: {
        level: series.level,
        test: 'poisson_tail',
        signal: 'unverified_sessions',
        log10PValue: Number((best.logP / Math.LN10).toFixed(2)),
        expectedSessionsPerHour: Number((baseline.sessionsPerMinute * 60).toFixed(4)),
        ownSessionsPerHour: Number(baseline.ownSessionsPerHour.toFixed(4)),
        ownSamples: baseline.ownSamples,
        parent: baseline.parent,
        parentShare: Number(baseline.share.toPrecision(3)),
        expectedConversion: Number(baseline.conversion.toFixed(3)),
        baseline: baseline.method,
        ...(planned > 1 ? { plannedMultiplier: planned } : {}),
      },
    });
  }
  return findings;
}

/**
 * The factor on the expectation the tail is taken at. Hour-of-week baselines are off by tens of
 * percent from hour to hour, which a busy scope's exact tail would call certain; that error is on
 * the rate, so it matters as the expected count grows and fades out below one expected session,
 * where the count's own randomness is the whole story.
 */
function slack(expected: number, full: number): number {
  return 1 + (full - 1) * Math.min(1, expected);
}

function formatOdds(logP: number): string {
  const odds = Math.exp(-logP);
  return odds >= 1e6 ? `10^${Math.round(-logP / Math.LN10)}` : Math.round(odds).toLocaleString('en-US');
}
