/**
 * Expected traffic of a scope for an hour of the week, learned from its committed hours.
 *
 * Samples are the same hour of day on earlier days of the same kind (weekday or weekend, in UTC),
 * newest first: that is hour-of-week seasonality that still works with one week of history, and a
 * weekend dip or a Monday rise is expected rather than anomalous. A scope younger than two days
 * falls back to its recent level (EWMA of the last hours). Median and MAD keep a past incident from
 * becoming the new normal.
 */
import { costPerSendUsd, reachableSessions, zeroCounters, type Counters } from './counters.ts';
import { ewma } from './statistics/ewma.ts';
import { robustCentre } from './statistics/robust-spread.ts';
import { hourStart, MS_PER_DAY, MS_PER_HOUR, type ScopeSeries, type TrafficBook } from './traffic-book.ts';

/** Same-kind days looked at: four weeks of weekdays or weekends. */
const MAX_LOOKBACK_DAYS = 28;
/** Same-kind samples used, newest first. */
const MAX_SEASONAL_SAMPLES = 5;
/** Fewer same-kind samples than this and any day of the last week serves. */
const MIN_SEASONAL_SAMPLES = 3;
const ANY_DAY_LOOKBACK = 7;
/** Two samples are the least a median means anything with. */
const MIN_SAMPLES = 2;
/** Recent-level fallback: the last six hours, weighted towards the latest. */
const RECENT_HOURS = 6;
const RECENT_ALPHA = 0.4;
/** Conversion and failure shares are judged against the last week. */
const SHARE_LOOKBACK_MS = 7 * MS_PER_DAY;

export interface RateBaseline {
  /** Expected sends per minute. */
  sendsPerMinute: number;
  /** Seasonal spread of that rate (one standard deviation). */
  sendsSigmaPerMinute: number;
  /** Expected estimated cost per minute. */
  costPerMinuteUsd: number;
  costSigmaPerMinuteUsd: number;
  /** How the expectation was formed, for the evidence. */
  method: 'hour_of_week' | 'hour_of_day' | 'recent_level';
  samples: number;
}

export interface ShareBaseline {
  /** Verified among reachable sessions over the last week of committed hours. */
  conversion: number;
  reachableSessions: number;
  /** Failed sends and undelivered receipts among sends. */
  failureShare: number;
  sends: number;
  costPerSendUsd: number;
}

const isWeekend = (ms: number): boolean => {
  const day = new Date(ms).getUTCDay();
  return day === 0 || day === 6;
};

/** The seasonal baseline of a scope for the hour holding `atMs`, or undefined for a scope with too little history. */
export function rateBaseline(book: TrafficBook, series: ScopeSeries, atMs: number): RateBaseline | undefined {
  return hourly(series, atMs, 'rate', () => computeRate(book, series, hourStart(atMs)));
}

/** Conversion and delivery shares of the last week, or undefined before any committed hour. */
export function shareBaseline(book: TrafficBook, series: ScopeSeries, atMs: number): ShareBaseline | undefined {
  return hourly(series, atMs, 'share', () => {
    const hour = hourStart(atMs);
    const sum = book.spanSum(series, hour - SHARE_LOOKBACK_MS, Math.min(hour, book.committedUntilMs));
    if (sum.sends === 0) return undefined;
    return {
      conversion: sum.verifiedSessions / Math.max(1, reachableSessions(sum)),
      reachableSessions: reachableSessions(sum),
      failureShare: (sum.failedSends + sum.receiptsFailed) / sum.sends,
      sends: sum.sends,
      costPerSendUsd: costPerSendUsd(sum),
    };
  });
}

/** A value of a scope computed once per hour of `atMs`. */
export function hourly<T>(series: ScopeSeries, atMs: number, name: string, compute: () => T): T {
  const hour = hourStart(atMs);
  if (series.cacheHourMs !== hour) {
    series.cache.clear();
    series.cacheHourMs = hour;
  }
  if (!series.cache.has(name)) series.cache.set(name, compute());
  return series.cache.get(name) as T;
}

function hourValue(book: TrafficBook, series: ScopeSeries, hourMs: number): Counters | 'unknown' | undefined {
  if (hourMs < book.historyStartMs || hourMs + MS_PER_HOUR > book.committedUntilMs) return 'unknown';
  return series.hours.get(hourMs);
}

function computeRate(book: TrafficBook, series: ScopeSeries, hour: number): RateBaseline | undefined {
  const weekend = isWeekend(hour);
  const sameKind: Counters[] = [];
  const anyDay: Counters[] = [];
  const zero = zeroCounters();
  for (let day = 1; day <= MAX_LOOKBACK_DAYS; day += 1) {
    const at = hour - day * MS_PER_DAY;
    const value = hourValue(book, series, at);
    if (value === 'unknown') continue;
    const counters = value ?? zero;
    if (day <= ANY_DAY_LOOKBACK) anyDay.push(counters);
    if (isWeekend(at) === weekend && sameKind.length < MAX_SEASONAL_SAMPLES) sameKind.push(counters);
  }
  if (sameKind.length >= MIN_SEASONAL_SAMPLES) return fromSamples(sameKind, 'hour_of_week');
  if (anyDay.length >= MIN_SAMPLES) return fromSamples(anyDay, 'hour_of_day');
  const recent: Counters[] = [];
  for (let back = RECENT_HOURS; back >= 1; back -= 1) {
    const value = hourValue(book, series, hour - back * MS_PER_HOUR);
    if (value !== 'unknown') recent.push(value ?? zero);
  }
  if (recent.length < MIN_SAMPLES) return undefined;
  const perMinute = (values: number[]) => (ewma(values, RECENT_ALPHA) ?? 0) / 60;
  const sends = recent.map((c) => c.sends);
  const costs = recent.map((c) => c.costEstUsd);
  return {
    sendsPerMinute: perMinute(sends),
    sendsSigmaPerMinute: robustCentre(sends).sigma / 60,
    costPerMinuteUsd: perMinute(costs),
    costSigmaPerMinuteUsd: robustCentre(costs).sigma / 60,
    method: 'recent_level',
    samples: recent.length,
  };
}

function fromSamples(samples: Counters[], method: RateBaseline['method']): RateBaseline {
  const sends = robustCentre(samples.map((c) => c.sends));
  const cost = robustCentre(samples.map((c) => c.costEstUsd));
  return {
    sendsPerMinute: sends.centre / 60,
    sendsSigmaPerMinute: sends.sigma / 60,
    costPerMinuteUsd: cost.centre / 60,
    costSigmaPerMinuteUsd: cost.sigma / 60,
    method,
    samples: samples.length,
  };
}
