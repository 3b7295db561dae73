/**
 * Window sums per scope that slide with the step. Every detector reads its windows again each
 * minute (the two-hour trend span, the conversion window, the sparse windows), and summing them
 * afresh walks every scope of every minute of every window: in a replay of days that walk was most
 * of the time. A window read at the step before is carried over instead, adding the minute that
 * entered and taking out the ones that left, as long as the book has not changed since (the live
 * cycle re-reads its mutable minutes every cycle, so there it is summed afresh; a replay loads
 * hours of minutes once and then only steps).
 */
import { addCounters, type Counters } from './counters.ts';
import { MS_PER_MINUTE, type ScopeSeries, type TrafficBook } from './traffic-book.ts';

interface SlidingWindow {
  nowMs: number;
  version: number;
  fromMs: number;
  /** Each scope's sum over the window (what `at` answers), */
  sums: Map<ScopeSeries, Counters>;
  /** and the same sum with how many of the window's minutes the scope has an entry in: one look-up a scope and minute. */
  held: Map<ScopeSeries, { sum: Counters; minutes: number }>;
}

export interface WindowSums {
  /** Sums per scope with an entry in [fromMs, toMs), read at step `nowMs`. Read-only, and valid for that step only. */
  at(nowMs: number, fromMs: number, toMs: number): ReadonlyMap<ScopeSeries, Counters>;
}

/**
 * Creates the sliding sums over one book. Windows are kept by how far before the step they end:
 * one read at the step before with the same end moves on by the minute that entered at its end
 * and the minutes its start moved by (one for a window of fixed length, none for one that grows
 * from a fixed start, like an open anomaly's).
 */
export function createWindowSums(book: TrafficBook): WindowSums {
  let previous = new Map<number, SlidingWindow[]>();
  let current = new Map<number, SlidingWindow[]>();
  let stepMs = Number.NaN;

  const addMinute = (window: SlidingWindow, minuteMs: number, sign: 1 | -1): void => {
    for (const { series, counters } of book.entriesOf(minuteMs)) {
      const entry = window.held.get(series);
      if (!entry) {
        const sum = { ...counters };
        window.held.set(series, { sum, minutes: sign });
        window.sums.set(series, sum);
        continue;
      }
      entry.minutes += sign;
      if (entry.minutes === 0) {
        window.held.delete(series);
        window.sums.delete(series);
      } else addCounters(entry.sum, counters, sign);
    }
  };

  const addMinutes = (window: SlidingWindow, fromMs: number, toMs: number, sign: 1 | -1): void => {
    for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) addMinute(window, m, sign);
  };

  /** The window of the step before with this end that is cheapest to move to `fromMs`, taken from the pool. */
  const takeNearest = (endAgoMs: number, fromMs: number, toMs: number): SlidingWindow | undefined => {
    const pool = previous.get(endAgoMs);
    if (!pool) return undefined;
    let best = -1;
    for (const [i, window] of pool.entries()) {
      if (window.version !== book.version || window.nowMs !== stepMs - MS_PER_MINUTE) continue;
      if (best < 0 || Math.abs(window.fromMs - fromMs) < Math.abs((pool[best] as SlidingWindow).fromMs - fromMs)) best = i;
    }
    const window = best < 0 ? undefined : pool[best];
    // Moving costs the minutes between the two starts; summing afresh costs the window's length.
    if (!window || Math.abs(window.fromMs - fromMs) >= toMs - fromMs) return undefined;
    pool.splice(best, 1);
    return window;
  };

  return {
    at(nowMs, fromMs, toMs) {
      if (nowMs !== stepMs) {
        // Windows not carried over to this step are dropped: one-off spans would otherwise pile up.
        previous = nowMs === stepMs + MS_PER_MINUTE ? current : new Map();
        current = new Map();
        stepMs = nowMs;
      }
      const endAgoMs = nowMs - toMs;
      const held = current.get(endAgoMs) ?? [];
      const same = held.find((window) => window.fromMs === fromMs);
      if (same) return same.sums;
      let window = toMs > fromMs ? takeNearest(endAgoMs, fromMs, toMs) : undefined;
      if (window) {
        addMinute(window, toMs - MS_PER_MINUTE, 1);
        if (fromMs > window.fromMs) addMinutes(window, window.fromMs, fromMs, -1);
        else addMinutes(window, fromMs, window.fromMs, 1);
      } else {
        window = { nowMs, version: book.version, fromMs, sums: new Map(), held: new Map() };
        addMinutes(window, fromMs, toMs, 1);
      }
      window.nowMs = nowMs;
      window.fromMs = fromMs;
      current.set(endAgoMs, [...held, window]);
      return window.sums;
    },
  };
}
