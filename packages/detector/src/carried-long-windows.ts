/**
 * One scope's sessions over the unfamiliar-network test's long windows (up to two hours), carried
 * from step to step. A scope that test keeps named (a night-time ramp, a slow attack over many
 * countries) is read over those windows every minute for hours, and walking up to 120 of its
 * minutes again at each step was most of what the test cost. What a step read is moved at the
 * next by the minute that matured out of the grace and the minute that left each window, while
 * the scope's minutes stand (a replay between its loads, no verify brute force being taken out);
 * otherwise, and at each new hour, it is summed afresh.
 */
import { addCounters, reachableSessions, zeroCounters, type Counters } from './counters.ts';
import type { DetectionContext } from './detection-context.ts';
import { hourly } from './seasonal-baseline.ts';
import { MS_PER_MINUTE, type ScopeSeries } from './traffic-book.ts';
import { unverified } from './unverified-sessions.ts';

/** A scope's sessions over one window before the step, brute-force sessions left out like `ctx.minute`'s. */
export interface LongWindow {
  /** Sessions that count as unverified at the step: those within the grace count whole. */
  observed: number;
  /** Every counter of the window; set only while no brute force is taken out, so it is the book's own sum. */
  sums: Counters | undefined;
}

/** What a scope carries to the next step. */
interface Carried {
  /** The step the sums are for; NaN before the first read of the hour. */
  nowMs: number;
  minutesVersion: number | undefined;
  /** Per window, its part past the grace: [step - window, step - grace). */
  matured: Map<number, Counters>;
}

function addMinute(sum: Counters, minute: Counters | undefined, sign: 1 | -1): void {
  if (minute) addCounters(sum, minute, sign);
}

/**
 * The scope's sessions over each of `windowsMs` (each longer than the grace) at `ctx.nowMs`, moved
 * from the step before when that step read them too.
 */
export function longWindows(
  ctx: Pick<DetectionContext, 'nowMs' | 'config' | 'minute' | 'minutesVersion'>,
  series: ScopeSeries,
  windowsMs: readonly number[],
): Map<number, LongWindow> {
  const { nowMs, minutesVersion } = ctx;
  const graceFrom = nowMs - ctx.config.unverifiedGraceMs;
  const carried = hourly<Carried>(series, nowMs, 'longWindows', () => ({
    nowMs: Number.NaN,
    minutesVersion: undefined,
    matured: new Map(),
  }));
  const slides = minutesVersion !== undefined && carried.minutesVersion === minutesVersion && carried.nowMs === nowMs - MS_PER_MINUTE;
  const young = zeroCounters();
  for (let m = graceFrom; m < nowMs; m += MS_PER_MINUTE) addMinute(young, ctx.minute(series, m), 1);
  const windows = new Map<number, LongWindow>();
  for (const windowMs of windowsMs) {
    let matured = slides ? carried.matured.get(windowMs) : undefined;
    if (matured) {
      addMinute(matured, ctx.minute(series, graceFrom - MS_PER_MINUTE), 1);
      addMinute(matured, ctx.minute(series, nowMs - MS_PER_MINUTE - windowMs), -1);
    } else {
      matured = zeroCounters();
      for (let m = nowMs - windowMs; m < graceFrom; m += MS_PER_MINUTE) addMinute(matured, ctx.minute(series, m), 1);
      carried.matured.set(windowMs, matured);
    }
    const sums = minutesVersion === undefined ? undefined : addCounters(addCounters(zeroCounters(), matured), young);
    windows.set(windowMs, { observed: reachableSessions(young) + unverified(matured), sums });
  }
  carried.nowMs = nowMs;
  carried.minutesVersion = minutesVersion;
  return windows;
}
