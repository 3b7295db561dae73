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
import type { Counters } from './counters.ts';
import type { DetectionContext } from './detection-context.ts';
import { MS_PER_MINUTE, type ScopeSeries } from './traffic-book.ts';

/** The counts of a span that say how many of its sessions count as unverified. */
interface Tally {
  sessions: number;
  failed: number;
  verified: number;
}

function add(tally: Tally, minute: Counters | undefined): void {
  if (!minute) return;
  tally.sessions += minute.sessions;
  tally.failed += minute.failedSends + minute.receiptsFailed;
  tally.verified += minute.verifiedSessions;
}

/** `reachableSessions` of the span's sum. */
const reachable = (t: Tally) => Math.max(t.verified, t.sessions - t.failed);

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
  const young: Tally = { sessions: 0, failed: 0, verified: 0 };
  for (let m = graceFrom; m < nowMs; m += MS_PER_MINUTE) add(young, ctx.minute(series, m));
  const matured: Tally = { sessions: 0, failed: 0, verified: 0 };
  let fromMs = graceFrom;
  const windows = new Map<number, number>();
  for (const windowMs of [...windowsMs].sort((a, b) => a - b)) {
    for (; fromMs > nowMs - windowMs; fromMs -= MS_PER_MINUTE) add(matured, ctx.minute(series, fromMs - MS_PER_MINUTE));
    windows.set(windowMs, reachable(young) + Math.max(0, reachable(matured) - matured.verified));
  }
  return windows;
}
