/**
 * A scope's unverified sessions over the unfamiliar-network test's long windows (up to two
 * hours), read for the scopes that test looks at: those whose unfamiliar tallies count. One walk
 * back from the step over the longest window's minutes gives every window, the shorter ones on
 * the way, and only the four counts the test needs are summed.
 *
 * They used to be carried from step to step with every counter of each window, kept in the
 * scope's hourly values: replays of a week spent a third more CPU that way than walking (see
 * bench/RESULTS.md), though each walk reads a hundred and twenty of the scope's minutes.
 */
import { reachableSessions, type Counters, type SessionCounts } from './counters.ts';
import type { DetectionContext } from './detection-context.ts';
import { MS_PER_MINUTE, type ScopeSeries } from './traffic-book.ts';
import { unverified } from './unverified-sessions.ts';

const noSessions = (): SessionCounts => ({ sessions: 0, verifiedSessions: 0, failedSends: 0, receiptsFailed: 0 });

/** Adds a minute's counts of the four a span's unverified sessions are worked out from. */
function add(span: SessionCounts, minute: Counters | undefined): void {
  if (!minute) return;
  span.sessions += minute.sessions;
  span.verifiedSessions += minute.verifiedSessions;
  span.failedSends += minute.failedSends;
  span.receiptsFailed += minute.receiptsFailed;
}

/**
 * The scope's sessions that count as unverified at `ctx.nowMs` over each of `windowsMs` (each
 * longer than the grace): those within the grace whole, older ones if still unverified, brute-force
 * sessions left out like `ctx.minute`'s.
 */
export function longWindows(
  ctx: Pick<DetectionContext, 'nowMs' | 'config' | 'minute'>,
  series: ScopeSeries,
  windowsMs: readonly number[],
): Map<number, number> {
  const { nowMs } = ctx;
  const graceFrom = nowMs - ctx.config.unverifiedGraceMs;
  const young = noSessions();
  for (let m = graceFrom; m < nowMs; m += MS_PER_MINUTE) add(young, ctx.minute(series, m));
  const matured = noSessions();
  let fromMs = graceFrom;
  const windows = new Map<number, number>();
  for (const windowMs of [...windowsMs].sort((a, b) => a - b)) {
    for (; fromMs > nowMs - windowMs; fromMs -= MS_PER_MINUTE) add(matured, ctx.minute(series, fromMs - MS_PER_MINUTE));
    windows.set(windowMs, reachableSessions(young) + unverified(matured));
  }
  return windows;
}
