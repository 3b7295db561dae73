/**
 * Conversion drops: among sessions whose code could be read (sent and not reported undelivered),
 * far fewer verified than the scope's last week, judged on sessions that had time to verify.
 * The Wilson upper bound must sit under the baseline, so a small scope needs a large drop.
 */
import { describeScope } from '@tollgate/vocabulary';
import { costPerSendUsd, reachableSessions, type Counters } from '../counters.ts';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { rateBaseline, shareBaseline } from '../seasonal-baseline.ts';
import { wilsonInterval } from '../statistics/wilson-interval.ts';
import { MS_PER_MINUTE, type ScopeSeries } from '../traffic-book.ts';

/** A baseline conversion from fewer sessions than this is not trusted. */
const MIN_BASELINE_SESSIONS = 200;
/** Below half the baseline a destination is being pumped; above it the drop is friction or noise. */
const COLLAPSE_RATIO = 0.5;
/**
 * Pumped numbers arrive as sessions on top of the usual ones, about one for each verification
 * missing (more where people verify less than always). A drop that half as many extra sessions do
 * not explain is the scope's own people failing to verify (codes late, a confusing screen, chance
 * in a small network on a quiet evening): an alert to look at, never a reason to challenge them.
 * Extra is judged against the same hour of earlier days, two at least (a rate's baseline is a
 * median); on a scope's first two days the last hours' level is all it has, and every morning's
 * people outgrow it: the sessions it calls extra explain nothing, and the drop is an alert.
 */
const EXTRA_SESSIONS_EXPLAIN = 0.5;
/**
 * And the extra sessions must stand out of the hour's own spread by this many standard deviations
 * (its count's and its earlier days'): six sessions over a usual 27 are any evening's chance, and a
 * drop among them is the people of that evening, whatever mix of countries it brought.
 */
const EXTRA_SESSIONS_Z = 2;

export function detectConversionDrops(ctx: DetectionContext): Finding[] {
  const { book, config, nowMs } = ctx;
  const endMs = nowMs - config.verifyMaturityMs;
  const startMs = endMs - config.conversionWindowMs;
  const minutes = config.conversionWindowMs / MS_PER_MINUTE;
  const findings: Finding[] = [];
  // forEach, not for...of: a pair for each of the window's scopes at every step was garbage.
  ctx.window(startMs, endMs).forEach((sum, series) => {
    const level = series.level;
    const reachable = reachableSessions(sum);
    if (reachable < config.minConversionSessions) return;
    const baseline = shareBaseline(book, series, startMs);
    if (!baseline || baseline.reachableSessions < MIN_BASELINE_SESSIONS) return;
    const interval = wilsonInterval(sum.verifiedSessions, reachable, config.conversionZ);
    if (interval.high >= baseline.conversion - config.minConversionDrop) return;
    const observed = sum.verifiedSessions / reachable;
    const missing = reachable * baseline.conversion - sum.verifiedSessions;
    const costPerHourUsd = (missing / minutes) * 60 * costPerSendUsd(sum);
    const collapse = observed < baseline.conversion * COLLAPSE_RATIO;
    const extra = extraSessions(ctx, series, sum, startMs, endMs);
    const explained =
      extra === undefined ||
      (extra.seasonal && extra.sessions >= EXTRA_SESSIONS_EXPLAIN * missing && extra.sessions >= EXTRA_SESSIONS_Z * extra.spread);
    findings.push({
      kind: 'conversion_drop',
      scope: series.scope,
      severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
      action: !explained ? 'alert' : collapse ? 'block' : 'challenge',
      score: ((baseline.conversion - interval.high) / Math.max(0.01, baseline.conversion)) * 10,
      observed,
      expected: baseline.conversion,
      band: { low: interval.low, high: interval.high },
      unit: 'verified share of reachable sessions',
      costPerHourUsd,
      windowStartMs: startMs,
      windowEndMs: endMs,
      summary:
        `${describeScope(series.scope)}: ${(observed * 100).toFixed(0)}% of ${reachable} sessions verified against ${(baseline.conversion * 100).toFixed(0)}% normally` +
        (extra === undefined
          ? ''
          : extra.seasonal
            ? `; ${extra.sessions.toFixed(0)} sessions more than the ${extra.expected.toFixed(0)} usual at this hour for ${Math.round(missing)} verifications missing`
            : `; ${Math.round(missing)} verifications missing, and not yet two earlier days of this hour to tell pumped sessions from the hour's own people`),
      contributors: [],
      facts: {
        level,
        sessions: reachable,
        verified: sum.verifiedSessions,
        missingVerifications: Math.round(missing),
        ...(extra?.seasonal
          ? { expectedSessions: Number(extra.expected.toFixed(1)), extraSessions: Number(extra.sessions.toFixed(1)) }
          : {}),
        ...(explained
          ? {}
          : {
              pumpedSessions:
                extra?.seasonal === false
                  ? 'unknown: not yet two earlier days of this hour'
                  : 'none: no more sessions than the hour usually brings, within its spread',
            }),
      },
    });
  });
  return findings;
}

/**
 * Sessions of the window over what the scope's hour of the week usually brings (its sends, at the
 * window's sessions per send), the standard deviation of that usual count (Poisson and the
 * earlier days' spread), and whether that usual came from the same hour of earlier days
 * (`seasonal`) rather than the last hours' level; undefined when the scope has no rate baseline.
 */
function extraSessions(
  ctx: DetectionContext,
  series: ScopeSeries,
  sum: Counters,
  startMs: number,
  endMs: number,
): { sessions: number; expected: number; spread: number; seasonal: boolean } | undefined {
  const baseline = rateBaseline(ctx.book, series, startMs + (endMs - startMs) / 2);
  if (!baseline || sum.sends === 0) return undefined;
  const perSend = ((endMs - startMs) / MS_PER_MINUTE) * (sum.sessions / sum.sends);
  const expected = baseline.sendsPerMinute * perSend;
  const daysSpread = baseline.sendsSigmaPerMinute * perSend;
  return {
    sessions: sum.sessions - expected,
    expected,
    spread: Math.sqrt(expected + daysSpread * daysSpread),
    seasonal: baseline.method !== 'recent_level',
  };
}
