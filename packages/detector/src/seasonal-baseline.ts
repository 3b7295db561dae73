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
import { hourP90Ms, type LatencyBook, type LatencySeries } from './latency-book.ts';
import { ewma } from './statistics/ewma.ts';
import { shrunkRate, shrunkShare } from './statistics/shrinkage.ts';
import { robustCentre } from './statistics/robust-spread.ts';
import { hourSessions, spanSessions } from './span-sessions.ts';
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
/**
 * A session baseline is a mean, shrunk toward its parent's: one earlier day's same hour already
 * says what a country's or a prefix's hour brings, so the tests of sparse scopes run from a
 * deployment's second day, when a farm pumping it would otherwise meet only the tests of
 * destinations never seen.
 */
const MIN_SESSION_DAY_SAMPLES = 1;
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

export interface LatencyBaseline {
  /** Usual P90 send-to-delivered time, and the spread of the hourly P90s it came from. */
  p90Ms: number;
  sigmaMs: number;
  method: RateBaseline['method'];
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

/** Saturday or Sunday in UTC; by arithmetic, as a baseline asks it of some thirty hours at once. */
const isWeekend = (ms: number): boolean => {
  // 1 January 1970 was a Thursday (day 4 counting from Sunday).
  const day = (((Math.floor(ms / MS_PER_DAY) + 4) % 7) + 7) % 7;
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

/**
 * Hours of values a scope keeps: the step's and the one before, which the conversion and delivery
 * windows still reach into. Older hours are dropped once a newer one is asked for.
 */
const CACHED_HOURS = 2;

/** A value of a scope computed once per hour of `atMs`, however the detectors of a step interleave their hours. */
export function hourly<T>(series: HourlyCache, atMs: number, name: string, compute: () => T): T {
  const values = hourValues(series, atMs);
  const hit = values.get(name);
  if (hit !== undefined || values.has(name)) return hit as T;
  const value = compute();
  values.set(name, value);
  return value;
}

type HourlyCache = { cache: Map<number, Map<string, unknown>>; cacheHourMs: number };

/** The values a scope keeps for the hour of `atMs`, older hours dropped once a newer one is asked for. */
function hourValues(series: HourlyCache, atMs: number): Map<string, unknown> {
  const hour = hourStart(atMs);
  if (!(hour <= series.cacheHourMs)) {
    series.cacheHourMs = hour;
    for (const cached of series.cache.keys()) if (cached <= hour - CACHED_HOURS * MS_PER_HOUR) series.cache.delete(cached);
  }
  let values = series.cache.get(hour);
  if (!values) series.cache.set(hour, (values = new Map()));
  return values;
}

/**
 * Values of a scope by the hour they are for, kept for the hour of `atMs` like `hourly`'s: a name
 * per hour they are for would build a string at each of a step's many reads.
 */
function hourlyByHour<T>(series: HourlyCache, atMs: number, name: string): Map<number, T> {
  const values = hourValues(series, atMs);
  let byHour = values.get(name) as Map<number, T> | undefined;
  if (!byHour) values.set(name, (byHour = new Map()));
  return byHour;
}

function hourValue(book: TrafficBook, series: ScopeSeries, hourMs: number): Counters | 'unknown' | undefined {
  if (!hourKnown(book, hourMs)) return 'unknown';
  return series.hours.get(hourMs);
}

/** Whether the book has seen the whole hour: hours before its history or not yet committed are unknown, not zero. */
function hourKnown(book: { historyStartMs: number; committedUntilMs: number }, hourMs: number): boolean {
  return hourMs >= book.historyStartMs && hourMs + MS_PER_HOUR <= book.committedUntilMs;
}

/**
 * Whether the book holds the hour-of-day samples a seasonal baseline needs for the scopes that were
 * there all along. Before, every scope is as young as the deployment, its baseline is its last
 * hours' level, and that level cannot tell the morning's rise from a spike.
 */
export function seenWholeDays(book: TrafficBook): boolean {
  return book.committedUntilMs - book.historyStartMs >= MIN_SAMPLES * MS_PER_DAY;
}

/**
 * Earlier hours that can serve as samples for `hour`: the same hour on the last same-kind days
 * (newest first), the same hour on any of the last week's days, and the last hours before it
 * (oldest first). `read` gives an hour's sample or 'skip' for an hour that cannot be one.
 */
function seasonalSamples<T>(hour: number, read: (hourMs: number) => T | 'skip'): { sameKind: T[]; anyDay: T[]; recent: T[] } {
  const weekend = isWeekend(hour);
  const sameKind: T[] = [];
  const anyDay: T[] = [];
  for (let day = 1; day <= MAX_LOOKBACK_DAYS; day += 1) {
    const at = hour - day * MS_PER_DAY;
    const value = read(at);
    if (value === 'skip') continue;
    if (day <= ANY_DAY_LOOKBACK) anyDay.push(value);
    if (isWeekend(at) === weekend && sameKind.length < MAX_SEASONAL_SAMPLES) sameKind.push(value);
  }
  const recent: T[] = [];
  for (let back = RECENT_HOURS; back >= 1; back -= 1) {
    const value = read(hour - back * MS_PER_HOUR);
    if (value !== 'skip') recent.push(value);
  }
  return { sameKind, anyDay, recent };
}

function computeRate(book: TrafficBook, series: ScopeSeries, hour: number): RateBaseline | undefined {
  const zero = zeroCounters();
  const { sameKind, anyDay, recent } = seasonalSamples(hour, (at) => {
    const value = hourValue(book, series, at);
    return value === 'unknown' ? 'skip' : (value ?? zero);
  });
  if (sameKind.length >= MIN_SEASONAL_SAMPLES) return fromSamples(sameKind, 'hour_of_week');
  if (anyDay.length >= MIN_SAMPLES) return fromSamples(anyDay, 'hour_of_day');
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

/**
 * The P90 delivery latency a provider in a country usually has in the hour holding `atMs`, from
 * the same hours of earlier same-kind days (the median of their P90s, and their spread), or
 * undefined without enough hours that delivered `minHourDelivered` messages. A quiet hour says
 * nothing about latency, so it is no sample (unlike volume, where it is a zero).
 */
export function latencyBaseline(
  book: LatencyBook,
  series: LatencySeries,
  atMs: number,
  minHourDelivered: number,
): LatencyBaseline | undefined {
  return hourly(series, atMs, 'latency', () => {
    const { sameKind, anyDay, recent } = seasonalSamples(hourStart(atMs), (at) => {
      const value = hourKnown(book, at) ? series.hours.get(at) : undefined;
      if (!value || value.delivered < minHourDelivered) return 'skip';
      const p90Ms = hourP90Ms(value);
      return Number.isFinite(p90Ms) ? p90Ms : 'skip';
    });
    const [samples, method]: [number[], LatencyBaseline['method']] =
      sameKind.length >= MIN_SEASONAL_SAMPLES
        ? [sameKind, 'hour_of_week']
        : anyDay.length >= MIN_SAMPLES
          ? [anyDay, 'hour_of_day']
          : [recent, 'recent_level'];
    if (samples.length < MIN_SAMPLES) return undefined;
    const { centre, sigma } = robustCentre(samples);
    return { p90Ms: centre, sigmaMs: sigma, method, samples: samples.length };
  });
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

/**
 * The parent's expectation is weighed against a scope's own same-hour samples as this many
 * pseudo-hours, and at most as many as hold `PARENT_STRENGTH_RATE_SESSIONS` expected sessions:
 * the parent's daily profile scaled by a share is a fair guess for a prefix that sees a session
 * now and then, but a busy country has its own time zone, and a few days of its own hundreds of
 * sessions an hour say more about its morning than the whole traffic's shape does.
 */
const PARENT_STRENGTH_HOURS = 3;
const PARENT_STRENGTH_RATE_SESSIONS = 3;
/** Pseudo-sessions of the parent's conversion a scope's own last week is weighed against. */
const PARENT_STRENGTH_SESSIONS = 50;
/** A scope never seen is given half a session over the share's span, not zero. */
const SHARE_PRIOR_SESSIONS = 0.5;
/** The long-run share of a scope in its parent is read over four weeks. */
const LONG_RUN_SHARE_MS = 28 * MS_PER_DAY;

export interface SessionBaseline {
  /** Expected sessions a minute in this hour of the week, shrunk toward the parent's. */
  sessionsPerMinute: number;
  /** Expected verified share of reachable sessions (shrunk toward the parent's). */
  conversion: number;
  /** The scope's own same-hour samples (sessions per hour) and how many there were. */
  ownSessionsPerHour: number;
  ownSamples: number;
  /** The parent's expectation times the scope's long-run share of it (sessions per hour). */
  parentSessionsPerHour: number;
  share: number;
  parent: 'country' | 'all' | 'none';
  method: RateBaseline['method'];
}

/**
 * Sessions of a scope's committed hours in the four weeks before `hour`, once per step hour, the
 * whole hours carried from the hour before (`hourSessions`).
 */
function longRunSessions(book: TrafficBook, series: ScopeSeries, hour: number, nowMs: number): number {
  const byHour = hourlyByHour<number>(series, nowMs, 'longRun');
  let total = byHour.get(hour);
  if (total === undefined) {
    total = hourSessions(book, series, hour - LONG_RUN_SHARE_MS, hour);
    byHour.set(hour, total);
  }
  return total;
}

/** The parent a scope's sparse baseline borrows from: a prefix's country, a country's whole traffic. */
export function parentSeries(book: TrafficBook, series: ScopeSeries): ScopeSeries | undefined {
  if (series.level === 'prefix') return book.levels.get('country')?.get(`${series.scope.country ?? ''}|`);
  if (series.level === 'country') return book.levels.get('all')?.values().next().value;
  return undefined;
}

/**
 * Sessions a scope expects in the hour holding `atMs`, and their conversion: its own hour-of-week
 * samples shrunk toward its parent's expectation times its four-week share of the parent (a
 * prefix toward its country, a country toward the whole traffic). A prefix with three sessions a
 * month gets its country's daily shape at its own small scale; a busy one keeps its own numbers.
 * Undefined while the whole traffic has no baseline.
 */
export function sessionBaseline(book: TrafficBook, series: ScopeSeries, atMs: number, nowMs: number = atMs): SessionBaseline | undefined {
  const hour = hourStart(atMs);
  // Kept for the hour of the step (`nowMs`), so a trend reading earlier hours does not evict it.
  const byHour = hourlyByHour<SessionBaseline | undefined>(series, nowMs, 'sessions');
  const hit = byHour.get(hour);
  if (hit !== undefined || byHour.has(hour)) return hit;
  const baseline = computeSessionBaseline(book, series, atMs, nowMs);
  byHour.set(hour, baseline);
  return baseline;
}

/** The session baseline of `hour` as `sessionBaseline` describes it, worked out afresh. */
function computeSessionBaseline(book: TrafficBook, series: ScopeSeries, atMs: number, nowMs: number): SessionBaseline | undefined {
  const hour = hourStart(atMs);
  const zero = zeroCounters();
  const { sameKind, anyDay, recent } = seasonalSamples(hour, (at) => {
    const value = hourValue(book, series, at);
    return value === 'unknown' ? 'skip' : (value ?? zero);
  });
  const [samples, method]: [Counters[], RateBaseline['method']] =
    sameKind.length >= MIN_SEASONAL_SAMPLES
      ? [sameKind, 'hour_of_week']
      : anyDay.length >= MIN_SESSION_DAY_SAMPLES
        ? [anyDay, 'hour_of_day']
        : [recent, 'recent_level'];
  const ownTotal = samples.reduce((sum, c) => sum + c.sessions, 0);
  const week = spanSessions(book, series, hour - SHARE_LOOKBACK_MS, Math.min(hour, book.committedUntilMs));
  const parent = parentSeries(book, series);
  const parentBaseline = parent && parent !== series ? sessionBaseline(book, parent, atMs, nowMs) : undefined;
  if (!parent || !parentBaseline) {
    // The root of the chain needs the same hour of earlier days: the last hours' level is no
    // expectation for every country's and prefix's hour of the week.
    if (series.level !== 'all' || method === 'recent_level') return undefined;
    return {
      sessionsPerMinute: ownTotal / samples.length / 60,
      conversion: reachableSessions(week) > 0 ? week.verifiedSessions / reachableSessions(week) : 0,
      ownSessionsPerHour: ownTotal / samples.length,
      ownSamples: samples.length,
      parentSessionsPerHour: 0,
      share: 1,
      parent: 'none',
      method,
    };
  }
  const share = shrunkShare(
    longRunSessions(book, series, hour, nowMs),
    longRunSessions(book, parent, hour, nowMs),
    1,
    SHARE_PRIOR_SESSIONS,
  );
  const prior = parentBaseline.sessionsPerMinute * 60 * share;
  const strength = Math.min(PARENT_STRENGTH_HOURS, PARENT_STRENGTH_RATE_SESSIONS / Math.max(prior, Number.MIN_VALUE));
  const perHour = shrunkRate(ownTotal, samples.length, prior, strength);
  return {
    sessionsPerMinute: perHour / 60,
    conversion: shrunkShare(week.verifiedSessions, reachableSessions(week), parentBaseline.conversion, PARENT_STRENGTH_SESSIONS),
    ownSessionsPerHour: samples.length > 0 ? ownTotal / samples.length : 0,
    ownSamples: samples.length,
    parentSessionsPerHour: prior,
    share,
    parent: series.level === 'prefix' ? 'country' : 'all',
    method,
  };
}
