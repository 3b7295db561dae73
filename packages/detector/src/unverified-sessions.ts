/**
 * The signal of the sparse-scope and trend detectors: sessions whose code nobody has typed yet. A
 * pumped number never verifies, so its sessions pile up here within the minute; a real user
 * verifies within seconds, so a campaign or a launch adds few. A session counts while nobody has
 * typed its code, young or old: one whose user verified within seconds is no pumped number. The
 * expectation takes the sessions younger than the grace whole (their users may still be typing),
 * older ones at the share that usually never verifies; sends the provider refused or reported
 * undelivered could not be verified and are left out, so an outage is not mistaken for pumping.
 */
import { reachableSessions, type SessionCounts } from './counters.ts';
import type { DetectionContext } from './detection-context.ts';
import type { SessionBaseline } from './seasonal-baseline.ts';
import { MS_PER_MINUTE, type ScopeSeries } from './traffic-book.ts';

export function unverified(c: SessionCounts | undefined): number {
  return c ? Math.max(0, reachableSessions(c) - c.verifiedSessions) : 0;
}

/** Sessions of a scope in [fromMs, nowMs) that count as unverified at `nowMs`. */
export function observedUnverified(ctx: DetectionContext, series: ScopeSeries, fromMs: number): number {
  return unverified(ctx.window(fromMs, ctx.nowMs).get(series));
}

/** What the baseline expects of that count over the `minutes` before `nowMs`. */
export function expectedUnverified(baseline: SessionBaseline, minutes: number, graceMinutes: number): number {
  const young = Math.min(minutes, graceMinutes);
  return baseline.sessionsPerMinute * (young + (minutes - young) * (1 - baseline.conversion));
}

export const minutesOf = (ms: number) => ms / MS_PER_MINUTE;
