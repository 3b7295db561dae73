/**
 * Window sums per scope that slide with the step. Every detector reads its windows again each
 * minute (the two-hour trend span, the conversion window, the sparse windows), and summing them
 * afresh walks every scope of every minute of every window: in a replay of days that walk was most
 * of the time. A window read at the same offsets from the step as the minute before is carried
 * over instead, adding the minute that entered and taking out the one that left, as long as the
 * book has not changed since (the live cycle re-reads its mutable minutes every cycle, so there it
 * is summed afresh; a replay loads hours of minutes once and then only steps).
 */
import { addCounters, type Counters } from './counters.ts';
import { MS_PER_MINUTE, type ScopeSeries, type TrafficBook } from './traffic-book.ts';

interface SlidingWindow {
  nowMs: number;
  version: number;
  /** Each scope's sum over the window, and how many of the window's minutes it has an entry in. */
  sums: Map<ScopeSeries, Counters>;
  minutes: Map<ScopeSeries, number>;
}

export interface WindowSums {
  /** Sums per scope with an entry in [fromMs, toMs), read at step `nowMs`. Read-only, and valid for that step only. */
  at(nowMs: number, fromMs: number, toMs: number): ReadonlyMap<ScopeSeries, Counters>;
}

/** Creates the sliding sums over one book. */
export function createWindowSums(book: TrafficBook): WindowSums {
  const windows = new Map<string, SlidingWindow>();
  let stepMs = Number.NaN;

  const addMinute = (window: SlidingWindow, minuteMs: number, sign: 1 | -1): void => {
    for (const series of book.entriesOf(minuteMs)) {
      const minute = series.minutes.get(minuteMs);
      if (!minute) continue;
      const sum = window.sums.get(series);
      const count = (window.minutes.get(series) ?? 0) + sign;
      if (count === 0) {
        window.sums.delete(series);
        window.minutes.delete(series);
        continue;
      }
      window.minutes.set(series, count);
      if (sum) addCounters(sum, minute, sign);
      else window.sums.set(series, { ...minute });
    }
  };

  const fresh = (nowMs: number, fromMs: number, toMs: number): SlidingWindow => {
    const window: SlidingWindow = { nowMs, version: book.version, sums: new Map(), minutes: new Map() };
    for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) addMinute(window, m, 1);
    return window;
  };

  return {
    at(nowMs, fromMs, toMs) {
      if (nowMs !== stepMs) {
        // Windows not read at the step before are not carried over: one-off spans (a finding's own
        // window) would otherwise pile up.
        for (const [key, window] of windows) if (window.nowMs < nowMs - MS_PER_MINUTE) windows.delete(key);
        stepMs = nowMs;
      }
      const key = `${nowMs - fromMs}:${nowMs - toMs}`;
      let window = windows.get(key);
      if (window && window.nowMs === nowMs) return window.sums;
      if (window && window.nowMs === nowMs - MS_PER_MINUTE && window.version === book.version && toMs > fromMs) {
        addMinute(window, toMs - MS_PER_MINUTE, 1);
        addMinute(window, fromMs - MS_PER_MINUTE, -1);
        window.nowMs = nowMs;
      } else {
        window = fresh(nowMs, fromMs, toMs);
        windows.set(key, window);
      }
      return window.sums;
    },
  };
}
