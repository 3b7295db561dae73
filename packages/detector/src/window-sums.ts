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

/** A scope's sum over the window and how many of the window's minutes it has an entry in. */
interface Entry {
  sum: Counters;
  minutes: number;
}

interface SlidingWindow {
  nowMs: number;
  version: number;
  entries: Map<ScopeSeries, Entry>;
  /** The sums handed out, rebuilt when the window moved. */
  view: Map<ScopeSeries, Counters> | undefined;
}

export interface WindowSums {
  /** Sums per scope with an entry in [fromMs, toMs), read at step `nowMs`. Read-only to callers. */
  at(nowMs: number, fromMs: number, toMs: number): ReadonlyMap<ScopeSeries, Counters>;
}

/** Creates the sliding sums over one book. */
export function createWindowSums(book: TrafficBook): WindowSums {
  const windows = new Map<string, SlidingWindow>();
  let stepMs = Number.NaN;

  const addMinute = (entries: Map<ScopeSeries, Entry>, minuteMs: number, sign: 1 | -1): void => {
    for (const series of book.entriesOf(minuteMs)) {
      const minute = series.minutes.get(minuteMs);
      if (!minute) continue;
      const entry = entries.get(series);
      if (sign === 1) {
        if (entry) {
          addCounters(entry.sum, minute);
          entry.minutes += 1;
        } else entries.set(series, { sum: { ...minute }, minutes: 1 });
      } else if (entry) {
        entry.minutes -= 1;
        if (entry.minutes === 0) entries.delete(series);
        else addCounters(entry.sum, minute, -1);
      }
    }
  };

  const fresh = (nowMs: number, fromMs: number, toMs: number): SlidingWindow => {
    const entries = new Map<ScopeSeries, Entry>();
    for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) addMinute(entries, m, 1);
    return { nowMs, version: book.version, entries, view: undefined };
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
      if (window && window.nowMs === nowMs) return viewOf(window);
      if (window && window.nowMs === nowMs - MS_PER_MINUTE && window.version === book.version && toMs > fromMs) {
        addMinute(window.entries, toMs - MS_PER_MINUTE, 1);
        addMinute(window.entries, fromMs - MS_PER_MINUTE, -1);
        window.nowMs = nowMs;
        window.view = undefined;
      } else {
        window = fresh(nowMs, fromMs, toMs);
        windows.set(key, window);
      }
      return viewOf(window);
    },
  };
}

function viewOf(window: SlidingWindow): Map<ScopeSeries, Counters> {
  if (!window.view) window.view = new Map([...window.entries].map(([series, entry]) => [series, entry.sum]));
  return window.view;
}
