/**
 * How busy a country's people are against its seasonal baseline, read from the sessions that
 * verified. A country's traffic wanders 10 to 30 % from one day to the next (a release, the news,
 * an undeclared promotion), and its unverified sessions wander with it: a test of unverified
 * sessions against the seasonal expectation alone takes a busy day for a slow ramp. Pumped
 * sessions do not verify, so the level the verified ones show is one an attack cannot raise.
 */
import type { DetectionContext } from './detection-context.ts';
import { hourly, parentSeries, sessionBaseline } from './seasonal-baseline.ts';
import { MS_PER_HOUR, type ScopeSeries } from './traffic-book.ts';

/** The hours before the one tested that the level is read from: a day's level moves slowly. */
const LEVEL_HOURS = 2;
/** Below this many verified sessions expected over those hours the count says little: the level stays 1. */
const MIN_EXPECTED_VERIFIED = 10;
/** The level is the count's lower bound at this many Poisson standard deviations: chance does not raise it. */
const LEVEL_Z = 2;
/** A level this far up is a surge of its own (an undeclared campaign), not a day's wandering. */
const MAX_LEVEL = 4;

/**
 * The factor, 1 or more, on a country's (a prefix's: its country's) seasonal expectation for the
 * hour starting at `hourMs`: its verified sessions over the hours before against those the
 * baseline expected, taken at their lower bound. Never below 1: a quiet day makes no test more
 * eager than the seasonal baseline does.
 */
export function verifiedLevel(ctx: DetectionContext, series: ScopeSeries, hourMs: number): number {
  const country = series.level === 'prefix' ? parentSeries(ctx.book, series) : series;
  if (!country) return 1;
  return hourly(country, hourMs, 'verified level', () => {
    const fromMs = hourMs - LEVEL_HOURS * MS_PER_HOUR;
    if (fromMs < ctx.book.historyStartMs) return 1;
    let expected = 0;
    for (let h = fromMs; h < hourMs; h += MS_PER_HOUR) {
      const baseline = sessionBaseline(ctx.book, country, h, ctx.nowMs);
      if (!baseline) return 1;
      expected += baseline.sessionsPerMinute * 60 * baseline.conversion;
    }
    if (expected < MIN_EXPECTED_VERIFIED) return 1;
    const observed = ctx.book.spanSum(country, fromMs, hourMs).verifiedSessions;
    return Math.min(MAX_LEVEL, Math.max(1, (observed - LEVEL_Z * Math.sqrt(observed)) / expected));
  });
}
