/**
 * Slow ramps within the hour: a Poisson CUSUM of each country's and prefix's unverified sessions
 * minute by minute against the seasonal expectation of that minute's hour. A ramp from nothing to
 * eight times normal over a working day stays inside any one window's noise for hours, but it adds
 * a little to the sum every minute, and the sum crosses while noise, going both ways, keeps
 * resetting it.
 */
import { describeScope } from '@tollgate/vocabulary';
import { costPerSendUsd, reachableSessions, zeroCounters, addCounters } from '../counters.ts';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Finding } from '../finding.ts';
import { plannedVolumeMultiplier } from '../planned-event.ts';
import { hourly, sessionBaseline } from '../seasonal-baseline.ts';
import { cusumIncrement, poissonCusum, type CusumOptions, type CusumPoint } from '../statistics/cusum.ts';
import { hourStart, MS_PER_HOUR, MS_PER_MINUTE, type ScopeSeries } from '../traffic-book.ts';
import { unverified } from '../unverified-sessions.ts';
import { verifiedLevel } from '../verified-level.ts';
import type { PlannedEvent } from '../planned-event.ts';

/**
 * Unverified sessions a scope expects in minute `m` from the seasonal baseline of its hour, or
 * undefined without one or with one from a single earlier day. A sum that gathers a small excess
 * for hours gathers the difference between two days too: on a deployment's second day the US's
 * Monday evening, against the Sunday evening before it, crossed as a 4x rise.
 */
function expectedAt(ctx: DetectionContext, series: ScopeSeries, m: number): number | undefined {
  const baseline = sessionBaseline(ctx.book, series, m, ctx.nowMs);
  return baseline && (baseline.method !== 'hour_of_day' || baseline.ownSamples >= TREND_MIN_DAYS)
    ? baseline.sessionsPerMinute *
        (1 - baseline.conversion) *
        // A declared campaign's multiplier is the verified level it brings: the larger, not both.
        Math.max(plannedVolumeMultiplier(ctx.planned, series.scope, m), verifiedLevel(ctx, series, hourStart(m)))
    : undefined;
}

/** Earlier days of the same hour a trend's expectation takes. */
const TREND_MIN_DAYS = 2;

/**
 * What a scope's test carries from one step to the next within the hour of the step: its statistic
 * without restarts, which never falls below the one the test computes and grows by one increment
 * a step while the span's minutes and expectations stand (the hour's baselines are kept, and a
 * replay does not change its minutes between loads).
 */
interface TrendBound {
  /** End of the span it covers; NaN when the next step must read its span afresh. */
  endMs: number;
  minutesVersion: number | undefined;
  planned: readonly PlannedEvent[];
  value: number;
  /** The expectation of the latest minute's hour. */
  hourMs: number;
  expected: number;
}

/**
 * Whether the scope's statistic is sure to stay under the threshold (or has no expectation, so
 * no test) at this step, from its bound at the step before and the one minute that entered: most
 * scopes of most steps, which then skip reading two hours of minutes.
 */
function ruledOut(ctx: DetectionContext, series: ScopeSeries, bound: TrendBound, endMs: number, options: CusumOptions): boolean {
  const m = endMs - MS_PER_MINUTE;
  if (ctx.minutesVersion === undefined || bound.minutesVersion !== ctx.minutesVersion || bound.planned !== ctx.planned || bound.endMs !== m)
    return false;
  if (hourStart(m) !== bound.hourMs) {
    const expected = expectedAt(ctx, series, m);
    if (expected === undefined) {
      bound.endMs = Number.NaN;
      return true;
    }
    bound.hourMs = hourStart(m);
    bound.expected = expected;
  }
  bound.value = Math.max(0, bound.value + cusumIncrement(unverified(ctx.minute(series, m)), bound.expected, options));
  bound.endMs = endMs;
  return bound.value < options.threshold;
}

export function detectSeasonalTrends(ctx: DetectionContext): Finding[] {
  const { config, nowMs } = ctx;
  // Only minutes past the grace: their unverified sessions are final enough to accumulate.
  const endMs = nowMs - config.unverifiedGraceMs;
  const startMs = endMs - config.trendSpanMs;
  const prefixOptions: CusumOptions = {
    ratio: config.trendRatio,
    minRise: config.trendFloorPerMinute,
    floor: config.trendFloorPerMinute,
    threshold: config.trendThreshold,
    settleWindow: config.trendRisingMs / MS_PER_MINUTE,
  };
  const countryFloor = config.trendCountryFloorPerMinute;
  const countryOptions: CusumOptions = { ...prefixOptions, minRise: countryFloor, floor: countryFloor };
  const findings: Finding[] = [];
  // A span's expectation for an hour is read at its first minute in the span, which moves with the
  // step: the bound below holds only while no planned event starts or ends anywhere near the span
  // (an hour before it included, as a bound lives for the hour of the step).
  const plannedApart = ctx.planned.every((event) => event.endsAt <= startMs - MS_PER_HOUR || event.startsAt >= endMs);
  // One set of points for every scope of the step, filled again for each: each minute of a replay
  // tests every busy prefix and country over two hours of minutes, and fresh points for each of
  // them were much of its garbage.
  const points: CusumPoint[] = Array.from({ length: Math.ceil(config.trendSpanMs / MS_PER_MINUTE) }, () => ({ observed: 0, expected: 0 }));
  // forEach, not for...of: a pair for each of the window's scopes at every step was garbage.
  ctx.window(startMs, endMs).forEach((span, series) => {
    if (series.level !== 'prefix' && series.level !== 'country') return;
    if (unverified(span) < config.sparseMinSessions) return;
    const options = series.level === 'country' ? countryOptions : prefixOptions;
    const bound = hourly<TrendBound>(series, nowMs, 'trend', () => ({
      endMs: Number.NaN,
      minutesVersion: undefined,
      planned: [],
      value: 0,
      hourMs: Number.NaN,
      expected: 0,
    }));
    if (plannedApart && ruledOut(ctx, series, bound, endMs, options)) return;
    // The expectation changes by the hour: read once per hour of the span, not per minute.
    let hourMs = Number.NaN;
    let perMinute: number | undefined;
    let filled = 0;
    for (let m = startMs; m < endMs; m += MS_PER_MINUTE) {
      if (hourStart(m) !== hourMs) {
        hourMs = hourStart(m);
        perMinute = expectedAt(ctx, series, m);
      }
      if (perMinute === undefined) break;
      const point = points[filled] as CusumPoint;
      point.observed = unverified(ctx.minute(series, m));
      point.expected = perMinute;
      filled += 1;
    }
    bound.endMs = Number.NaN;
    if (filled < points.length || perMinute === undefined) return;
    const result = poissonCusum(points, options);
    // Field by field: an object for each tested scope at every step would be garbage again.
    bound.endMs = endMs;
    bound.minutesVersion = ctx.minutesVersion;
    bound.planned = ctx.planned;
    bound.value = result.unsettledValue;
    bound.hourMs = hourMs;
    bound.expected = perMinute;
    // Raised while the run is still on: over the threshold, its peak (where the rise ended, as far
    // as the sum can tell) within the last minutes, and those minutes on their own still leaning
    // to the rise. After an attack stops the sum only decays by the tested excess each minute,
    // which at a night hour takes a day, and a few ordinary sessions lean the last minutes to the
    // rise again: a quarter hour back at the expectation restarts the sum (`settleWindow`), and
    // short of that, a sum that has not passed its peak since is an excess that has ended.
    if (result.value < config.trendThreshold) return;
    const risingMinutes = config.trendRisingMs / MS_PER_MINUTE;
    if (result.runPeakAt < points.length - risingMinutes) return;
    const recent = poissonCusum(points.slice(-risingMinutes), options);
    if (recent.peak < config.trendRisingThreshold) return;
    const runFromMs = startMs + result.runStart * MS_PER_MINUTE;
    const run = points.slice(result.runStart);
    const observed = run.reduce((sum, p) => sum + p.observed, 0);
    const expected = run.reduce((sum, p) => sum + p.expected, 0);
    const minutes = run.length;
    const sums = zeroCounters();
    // Sessions whose code could have been typed, counted as the minutes' unverified ones are.
    let reachable = 0;
    for (let m = runFromMs; m < endMs; m += MS_PER_MINUTE) {
      const minute = ctx.minute(series, m);
      if (minute) {
        addCounters(sums, minute);
        reachable += reachableSessions(minute);
      }
    }
    // Who the extra sessions are, for whoever reads the alert: a campaign's or a holiday's people
    // verify as usual, so a share far over the usual one is sessions nobody meant to use.
    const usualShare = 1 - (sessionBaseline(ctx.book, series, endMs - MS_PER_MINUTE, nowMs)?.conversion ?? 1);
    const level = verifiedLevel(ctx, series, hourStart(endMs - MS_PER_MINUTE));
    const share = reachable > 0 ? observed / reachable : 0;
    const sendsPerSession = sums.sessions > 0 ? sums.sends / sums.sessions : 1;
    const costPerHourUsd = (Math.max(0, observed - expected) / minutes) * 60 * sendsPerSession * costPerSendUsd(sums);
    findings.push({
      kind: 'volume_spike',
      scope: series.scope,
      severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
      action: 'alert',
      score: result.value,
      observed,
      expected,
      band: { low: 0, high: expected * config.trendRatio },
      unit: `unverified sessions in ${minutes} min`,
      costPerHourUsd,
      windowStartMs: runFromMs,
      windowEndMs: endMs,
      summary:
        `${describeScope(series.scope)}: unverified sessions rising for ${minutes} min, ${observed} against ${expected.toFixed(1)} expected from the seasonal baseline ` +
        (level > 1 ? `at the ${level.toFixed(2)}x of it that its people's verified sessions show today ` : '') +
        `(CUSUM ${result.value.toFixed(1)} over its threshold ${config.trendThreshold.toFixed(1)}: the rise to ${config.trendRatio}x is e^${result.value.toFixed(0)} times likelier than normal); ` +
        `${observed} of the ${reachable} sessions that could verify did not, ${(share * 100).toFixed(0)}% where ${(usualShare * 100).toFixed(0)}% usually do not`,
      contributors: [],
      facts: {
        level: series.level,
        test: 'cusum',
        signal: 'unverified_sessions',
        cusum: Number(result.value.toFixed(2)),
        runMinutes: minutes,
        unverifiedShare: Number(share.toFixed(3)),
        usualUnverifiedShare: Number(usualShare.toFixed(3)),
        verifiedLevel: Number(level.toFixed(2)),
      },
    });
  });
  return findings;
}
