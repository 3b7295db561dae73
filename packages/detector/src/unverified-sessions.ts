/**
 * The signal of the sparse-scope and trend detectors: sessions whose code nobody has typed yet. A
 * pumped number never verifies, so its sessions pile up here within the minute; a real user
 * verifies within seconds, so a campaign or a launch adds few. Sessions younger than the grace are
 * counted whole (their user may still be typing), older ones only if still unverified; sends the
 * provider refused or reported undelivered could not be verified and are left out, so an outage
 * is not mistaken for pumping.
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
  return sinceGrace(ctx, series, fromMs, reachableOf);
}

const reachableOf = (c: SessionCounts | undefined) => (c ? reachableSessions(c) : 0);

/**
 * `young` of the sessions within the grace plus the unverified older ones, from the two windows
 * split at the grace: every detector of a step asks for the same two, which it sums once.
 */
function sinceGrace(ctx: DetectionContext, series: ScopeSeries, fromMs: number, young: (c: SessionCounts | undefined) => number): number {
  const graceFrom = Math.max(fromMs, ctx.nowMs - ctx.config.unverifiedGraceMs);
  const matured = graceFrom > fromMs ? ctx.window(fromMs, graceFrom).get(series) : undefined;
  return young(ctx.window(graceFrom, ctx.nowMs).get(series)) + unverified(matured);
}

/**
 * Sessions of a scope in [fromMs, nowMs) whose code nobody had typed by `nowMs`, young or old: the
 * count a scope is judged on against `expectedUnverified`, which takes the young whole (an upper
 * bound on what they leave unverified, so the level holds). A quiet prefix's few people who typed
 * their codes within seconds are not three pumped numbers; a pumped number never verifies, so its
 * count is the same either way. The on-top checks compare `observedUnverified`, young whole, with
 * the same expectation instead: like with like, which a busy country's hundreds of young sessions
 * need.
 */
export function untypedSessions(ctx: DetectionContext, series: ScopeSeries, fromMs: number): number {
  return sinceGrace(ctx, series, fromMs, unverified);
}

/** What the baseline expects of that count over the `minutes` before `nowMs`. */
export function expectedUnverified(baseline: SessionBaseline, minutes: number, graceMinutes: number): number {
  const young = Math.min(minutes, graceMinutes);
  return baseline.sessionsPerMinute * (young + (minutes - young) * (1 - baseline.conversion));
}

export const minutesOf = (ms: number) => ms / MS_PER_MINUTE;
