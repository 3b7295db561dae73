/**
 * Conversion drops: among sessions whose code could be read (sent and not reported undelivered),
 * far fewer verified than the scope's last week, judged on sessions that had time to verify.
 * The Wilson upper bound must sit under the baseline, so a small scope needs a large drop.
 */
import { describeScope } from '@tollgate/vocabulary';
import { costPerSendUsd, reachableSessions } from '../counters.ts';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { shareBaseline } from '../seasonal-baseline.ts';
import { wilsonInterval } from '../statistics/wilson-interval.ts';
import { MS_PER_MINUTE } from '../traffic-book.ts';

/** A baseline conversion from fewer sessions than this is not trusted. */
const MIN_BASELINE_SESSIONS = 200;
/** Below half the baseline a destination is being pumped; above it the drop is friction or noise. */
const COLLAPSE_RATIO = 0.5;

export function detectConversionDrops(ctx: DetectionContext): Finding[] {
  const { book, config, nowMs } = ctx;
  const endMs = nowMs - config.verifyMaturityMs;
  const startMs = endMs - config.conversionWindowMs;
  const minutes = config.conversionWindowMs / MS_PER_MINUTE;
  const findings: Finding[] = [];
  for (const [series, sum] of ctx.window(startMs, endMs)) {
    const level = series.level;
    const reachable = reachableSessions(sum);
    if (reachable < config.minConversionSessions) continue;
    const baseline = shareBaseline(book, series, startMs);
    if (!baseline || baseline.reachableSessions < MIN_BASELINE_SESSIONS) continue;
    const interval = wilsonInterval(sum.verifiedSessions, reachable, config.conversionZ);
    if (interval.high >= baseline.conversion - config.minConversionDrop) continue;
    const observed = sum.verifiedSessions / reachable;
    const missing = reachable * baseline.conversion - sum.verifiedSessions;
    const costPerHourUsd = (missing / minutes) * 60 * costPerSendUsd(sum);
    const collapse = observed < baseline.conversion * COLLAPSE_RATIO;
    findings.push({
      kind: 'conversion_drop',
      scope: series.scope,
      severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
      action: collapse ? 'block' : 'challenge',
      score: ((baseline.conversion - interval.high) / Math.max(0.01, baseline.conversion)) * 10,
      observed,
      expected: baseline.conversion,
      band: { low: interval.low, high: interval.high },
      unit: 'verified share of reachable sessions',
      costPerHourUsd,
      windowStartMs: startMs,
      windowEndMs: endMs,
      summary: `${describeScope(series.scope)}: ${(observed * 100).toFixed(0)}% of ${reachable} sessions verified against ${(baseline.conversion * 100).toFixed(0)}% normally`,
      contributors: [],
      facts: { level, sessions: reachable, verified: sum.verifiedSessions, missingVerifications: Math.round(missing) },
    });
  }
  return findings;
}
