/**
 * The signal of the sparse-scope and trend detectors: sessions whose code nobody has typed yet. A
 * pumped number never verifies, so its sessions pile up here within the minute; a real user
 * verifies within seconds, so a campaign or a launch adds few. Sessions younger than the grace are
 * counted whole (their user may still be typing), older ones only if still unverified; sends the
 * provider refused or reported undelivered could not be verified and are left out, so an outage
 * is not mistaken for pumping.
 */
import { addCounters, reachableSessions, zeroCounters, type Counters } from './counters.ts';
import type { DetectionContext } from './detection-context.ts';
import type { SessionBaseline } from './seasonal-baseline.ts';
import { MS_PER_MINUTE, type ScopeSeries } from './traffic-book.ts';

export function unverified(c: Counters | undefined): number {
  return c ? Math.max(0, reachableSessions(c) - c.verifiedSessions) : 0;
}

/** Sessions of a scope in [fromMs, nowMs) that count as unverified at `nowMs`. */
export function observedUnverified(ctx: DetectionContext, series: ScopeSeries, fromMs: number): number {
  const graceFrom = Math.max(fromMs, ctx.nowMs - ctx.config.unverifiedGraceMs);
  const young = ctx.window(graceFrom, ctx.nowMs).get(series);
  const matured = graceFrom > fromMs ? ctx.window(fromMs, graceFrom).get(series) : undefined;
  return (young ? reachableSessions(young) : 0) + unverified(matured);
}

/**
 * The same count over each of `windowsMs`, summed in one walk back over the scope's own minutes:
 * for the long windows only a few scopes are read over, where the window of every scope
 * (`ctx.window`) would cost more than it saves.
 */
export function observedUnverifiedByMinute(ctx: DetectionContext, series: ScopeSeries, windowsMs: readonly number[]): Map<number, number> {
  const graceFrom = ctx.nowMs - ctx.config.unverifiedGraceMs;
  const young = zeroCounters();
  const matured = zeroCounters();
  const observed = new Map<number, number>();
  const longest = Math.max(...windowsMs);
  for (let m = ctx.nowMs - MS_PER_MINUTE; m >= ctx.nowMs - longest; m -= MS_PER_MINUTE) {
    const minute = ctx.minute(series, m);
    if (minute) addCounters(m >= graceFrom ? young : matured, minute);
    const windowMs = ctx.nowMs - m;
    if (windowsMs.includes(windowMs)) observed.set(windowMs, reachableSessions(young) + unverified(matured));
  }
  return observed;
}

/** What the baseline expects of that count over the `minutes` before `nowMs`. */
export function expectedUnverified(baseline: SessionBaseline, minutes: number, graceMinutes: number): number {
  const young = Math.min(minutes, graceMinutes);
  return baseline.sessionsPerMinute * (young + (minutes - young) * (1 - baseline.conversion));
}

export const minutesOf = (ms: number) => ms / MS_PER_MINUTE;
