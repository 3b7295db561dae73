/**
 * The detector's memory of delivery latency per provider in a country: recent minutes as
 * histograms per carrier, committed hours as a P90 and a count for the hour-of-week baseline.
 * Minutes stay replaceable until committed, like the traffic book's (a receipt lands in the minute
 * of its send, after it), then fold into their hour.
 */
import type { DeliveryLatencyHour, DeliveryLatencyMinute } from '@tollgate/store';
import type { Scope } from './scope.ts';
import { addHistogram, histogramQuantileMs, type LatencyHistogram } from './statistics/latency-histogram.ts';
import { hourStart, MS_PER_HOUR, MS_PER_MINUTE } from './traffic-book.ts';

/** P90 is what messaging-vendor owners watch when they monitor delivery time. */
export const LATENCY_QUANTILE = 0.9;

/**
 * An hour of a scope: warm-up hours carry only the P90 and count; hours of committed minutes carry
 * their histogram, and their P90 is read from it when first asked (`hourP90Ms`), not at every minute.
 */
export interface LatencyHour {
  delivered: number;
  p90Ms?: number;
  histogram?: LatencyHistogram;
}

/** The hour's P90 (NaN without a delivered message), computed once from its histogram. */
export function hourP90Ms(hour: LatencyHour): number {
  hour.p90Ms ??= hour.histogram ? histogramQuantileMs(hour.histogram, LATENCY_QUANTILE) : Number.NaN;
  return hour.p90Ms;
}

export interface LatencySeries {
  key: string;
  scope: Scope;
  minutes: Map<number, LatencyMinute>;
  hours: Map<number, LatencyHour>;
  lastActiveMs: number;
  cache: Map<number, Map<string, unknown>>;
  cacheHourMs: number;
}

/** A minute or a window of a scope: every delivered message's latency, and per carrier. */
export interface LatencyMinute {
  total: LatencyHistogram;
  byCarrier: Map<string, LatencyHistogram>;
  /** Messages in `total`. */
  delivered: number;
}

export interface LatencyBook {
  readonly series: ReadonlyMap<string, LatencySeries>;
  readonly historyStartMs: number;
  readonly committedUntilMs: number;
  /** Replaces a minute's histograms (an absent scope had no delivered message); committed minutes are left alone. */
  setMinute(minuteMs: number, rows: readonly DeliveryLatencyMinute[]): void;
  /** Replaces committed hours (warm-up from the rollup). */
  setHours(rows: readonly DeliveryLatencyHour[]): void;
  markHistoryStart(ms: number): void;
  commitUntil(untilMs: number): void;
  prune(nowMs: number): void;
  /** Delivered messages of the scope in [fromMs, toMs): cheap, so scopes too quiet to judge skip the histograms. */
  delivered(series: LatencySeries, fromMs: number, toMs: number): number;
  /** The scope's histogram over [fromMs, toMs); per carrier too when asked (a finding's contributors). */
  window(series: LatencySeries, fromMs: number, toMs: number, withCarriers?: boolean): LatencyMinute;
}

/** The key of a provider in a country among the book's series. */
export const latencyKey = (provider: string, country: string): string => `${provider}|${country}`;

/** Folds one minute's histograms into their hours. */
function commitMinute(minuteMs: number, present: ReadonlySet<LatencySeries>): void {
  for (const s of present) {
    const minute = s.minutes.get(minuteMs);
    if (!minute) continue;
    const hourMs = hourStart(minuteMs);
    const hour = s.hours.get(hourMs);
    const histogram = addHistogram(hour?.histogram ?? new Map<number, number>(), minute.total);
    s.hours.set(hourMs, { delivered: (hour?.delivered ?? 0) + minute.delivered, histogram });
  }
}

export function createLatencyBook(options: { recentMs: number; historyMs: number }): LatencyBook {
  const series = new Map<string, LatencySeries>();
  // The scopes with a histogram in each minute, so replacing a minute touches only those.
  const entries = new Map<number, Set<LatencySeries>>();
  let historyStartMs = Number.POSITIVE_INFINITY;
  let committedUntilMs = Number.NEGATIVE_INFINITY;

  const seriesFor = (provider: string, country: string): LatencySeries => {
    const key = latencyKey(provider, country);
    let found = series.get(key);
    if (!found) {
      found = {
        key,
        scope: { provider, country },
        minutes: new Map(),
        hours: new Map(),
        lastActiveMs: Number.NEGATIVE_INFINITY,
        cache: new Map(),
        cacheHourMs: Number.NaN,
      };
      series.set(key, found);
    }
    return found;
  };

  const book: LatencyBook = {
    series,
    get historyStartMs() {
      return historyStartMs;
    },
    get committedUntilMs() {
      return committedUntilMs;
    },
    setMinute(minuteMs, rows) {
      if (minuteMs < committedUntilMs) return;
      book.markHistoryStart(minuteMs);
      for (const s of entries.get(minuteMs) ?? []) s.minutes.delete(minuteMs);
      const present = new Set<LatencySeries>();
      entries.set(minuteMs, present);
      for (const row of rows) {
        const s = seriesFor(row.provider, row.country);
        present.add(s);
        let minute = s.minutes.get(minuteMs);
        if (!minute) s.minutes.set(minuteMs, (minute = { total: new Map(), byCarrier: new Map(), delivered: 0 }));
        const histogram = minute.byCarrier.get(row.carrier) ?? new Map<number, number>();
        minute.byCarrier.set(row.carrier, histogram);
        row.buckets.forEach((bucket, i) => histogram.set(bucket, (histogram.get(bucket) ?? 0) + (row.counts[i] ?? 0)));
        addHistogram(minute.total, histogram);
        for (const count of row.counts) minute.delivered += count;
        if (minuteMs > s.lastActiveMs) s.lastActiveMs = minuteMs;
      }
    },
    setHours(rows) {
      for (const row of rows) {
        const s = seriesFor(row.provider, row.country);
        s.hours.set(row.ts, { delivered: row.delivered, p90Ms: row.p90_ms });
        if (row.ts > s.lastActiveMs) s.lastActiveMs = row.ts;
      }
    },
    markHistoryStart(ms) {
      if (ms < historyStartMs) historyStartMs = ms;
    },
    commitUntil(untilMs) {
      if (untilMs - committedUntilMs <= MS_PER_MINUTE) {
        // A step commits at most one minute (minutes start on the minute), as in the traffic book.
        const minuteMs = Math.ceil(committedUntilMs / MS_PER_MINUTE) * MS_PER_MINUTE;
        const present = entries.get(minuteMs);
        if (minuteMs < untilMs && present) commitMinute(minuteMs, present);
      } else {
        for (const [minuteMs, present] of entries) if (minuteMs >= committedUntilMs && minuteMs < untilMs) commitMinute(minuteMs, present);
      }
      if (untilMs > committedUntilMs) committedUntilMs = untilMs;
    },
    prune(nowMs) {
      const oldestMinute = Math.min(nowMs - options.recentMs, committedUntilMs);
      for (const minuteMs of entries.keys()) if (minuteMs < oldestMinute) entries.delete(minuteMs);
      const oldestHour = nowMs - options.historyMs;
      for (const [key, s] of series) {
        for (const minuteMs of s.minutes.keys()) if (minuteMs < oldestMinute) s.minutes.delete(minuteMs);
        for (const [hourMs, hour] of s.hours) {
          if (hourMs < oldestHour) s.hours.delete(hourMs);
          // A finished hour needs its P90 only.
          else if (hour.histogram && hourMs + MS_PER_HOUR <= committedUntilMs) {
            hourP90Ms(hour);
            delete hour.histogram;
          }
        }
        if (s.minutes.size === 0 && s.hours.size === 0) series.delete(key);
      }
      if (historyStartMs < oldestHour) historyStartMs = hourStart(oldestHour);
    },
    delivered(s, fromMs, toMs) {
      let delivered = 0;
      if (s.lastActiveMs < fromMs) return delivered;
      for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) delivered += s.minutes.get(m)?.delivered ?? 0;
      return delivered;
    },
    window(s, fromMs, toMs, withCarriers = false) {
      const total: LatencyHistogram = new Map();
      const byCarrier = new Map<string, LatencyHistogram>();
      let delivered = 0;
      if (s.lastActiveMs < fromMs) return { total, byCarrier, delivered };
      for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) {
        const minute = s.minutes.get(m);
        if (!minute) continue;
        addHistogram(total, minute.total);
        delivered += minute.delivered;
        if (!withCarriers) continue;
        for (const [carrier, histogram] of minute.byCarrier) {
          let mine = byCarrier.get(carrier);
          if (!mine) byCarrier.set(carrier, (mine = new Map()));
          addHistogram(mine, histogram);
        }
      }
      return { total, byCarrier, delivered };
    },
  };
  return book;
}
