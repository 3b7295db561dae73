/**
 * New destinations: a country or prefix that sent nothing in the history the detector holds starts
 * sending. A launch converts like any market and stays silent; pumping shows as verifications that
 * never come, or before they are due, as traffic that comes from hosting networks.
 */
import { describeScope } from '@tollgate/vocabulary';
import { costPerSendUsd, reachableSessions, zeroCounters } from '../counters.ts';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { compose, hostingShare, topContributors } from '../scope-composition.ts';
import { shareBaseline } from '../seasonal-baseline.ts';
import { wilsonInterval } from '../statistics/wilson-interval.ts';
import { MS_PER_HOUR, MS_PER_MINUTE, type ScopeSeries } from '../traffic-book.ts';

/** A destination is new when the detector saw at least this much history without it... */
const MIN_HISTORY_BEFORE_MS = MS_PER_HOUR;
/** ...and stays new this long after its first send. */
const NEW_FOR_MS = 24 * MS_PER_HOUR;
/** Sessions a new destination needs before its conversion is judged. */
const MIN_NEW_SESSIONS = 10;
/** A new destination converting under half the usual rate is pumped. */
const COLLAPSE_RATIO = 0.5;

export function detectNewDestinations(ctx: DetectionContext, overall: ScopeSeries | undefined): Finding[] {
  const { book, config, nowMs } = ctx;
  const usual = overall ? shareBaseline(book, overall, nowMs)?.conversion : undefined;
  const findings: Finding[] = [];
  // Read into the same two objects for every scope: most scopes of a replay's steps are young
  // prefixes with a send or two, and a pair of sums for each was a tenth of its garbage.
  const recent = zeroCounters();
  const matured = zeroCounters();
  // forEach, not for...of: an iteration result for each of the window's scopes at every step was garbage.
  ctx.window(nowMs - config.longWindowMs, nowMs).forEach((_sum, series) => {
    const level = series.level;
    if (level !== 'country' && level !== 'prefix') return;
    if (nowMs - series.firstSendMs > NEW_FOR_MS || series.firstSendMs - book.historyStartMs < MIN_HISTORY_BEFORE_MS) return;
    const fromMs = Math.max(series.firstSendMs, nowMs - config.longWindowMs);
    book.windowSum(series, fromMs, nowMs, recent);
    if (recent.sends < config.minNewDestinationSends) return;
    const composition = compose(book, ctx.asns, series.scope, fromMs, nowMs);
    const hosting = hostingShare(composition);
    const matureEnd = nowMs - config.verifyMaturityMs;
    book.windowSum(series, Math.max(series.firstSendMs, matureEnd - config.conversionWindowMs), matureEnd, matured);
    const reachable = reachableSessions(matured);
    const conversion = reachable > 0 ? matured.verifiedSessions / reachable : 0;
    const interval = wilsonInterval(matured.verifiedSessions, reachable, config.conversionZ);
    const collapsed = usual !== undefined && reachable >= MIN_NEW_SESSIONS && interval.high < usual * COLLAPSE_RATIO;
    const botFarm = hosting >= config.hostingShareSuspicious;
    if (!collapsed && !botFarm) return;
    const minutes = (nowMs - fromMs) / MS_PER_MINUTE;
    const costPerHourUsd = (recent.sends / minutes) * 60 * costPerSendUsd(recent);
    findings.push({
      kind: 'new_destination',
      scope: series.scope,
      severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
      action: 'block',
      score: collapsed ? 10 * (1 - interval.high / Math.max(0.01, usual ?? 1)) : 10 * hosting,
      observed: collapsed ? conversion : hosting,
      expected: collapsed ? (usual ?? 0) : 0,
      band: collapsed ? { low: interval.low, high: interval.high } : { low: 0, high: config.hostingShareSuspicious },
      unit: collapsed ? 'verified share of reachable sessions' : 'share of sends from hosting networks',
      costPerHourUsd,
      windowStartMs: fromMs,
      windowEndMs: nowMs,
      summary: collapsed
        ? `${describeScope(series.scope)}: new destination, ${(conversion * 100).toFixed(0)}% of ${reachable} sessions verified against ${((usual ?? 0) * 100).toFixed(0)}% overall`
        : `${describeScope(series.scope)}: new destination, ${(hosting * 100).toFixed(0)}% of its ${recent.sends} sends from hosting networks`,
      contributors: topContributors(composition, 'asn', 5, ctx.asns),
      facts: { level, judgedBy: collapsed ? 'conversion' : 'hosting_share', sends: recent.sends, hostingShare: hosting },
    });
  });
  return findings;
}
