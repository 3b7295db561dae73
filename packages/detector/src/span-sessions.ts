/**
 * A scope's session counts over a span of its history, as its session baseline reads them: the
 * conversion of the last week and the share of its parent over four weeks, once per scope and
 * hour. Summing that week afresh walked 168 hours
 * of every busy scope at every new hour of a replay, most of it the same hours as the hour before.
 * The sum of the whole committed hours is carried instead, moved by the hours that entered the
 * span and the ones that left it. Session counts are whole numbers, so a carried sum equals one
 * taken afresh exactly, whatever the order its hours were added and taken out in.
 */
import { hourStart, MS_PER_HOUR, type ScopeSeries, type TrafficBook } from './traffic-book.ts';
import type { SessionCounts } from './counters.ts';

/** A sum of whole committed hours [fromMs, toMs) of one scope, and the book's hours it holds. */
interface CarriedSum {
  fromMs: number;
  toMs: number;
  hoursVersion: number;
  counts: SessionCounts;
}

/** The week of `spanSessions` and the four weeks of `hourSessions`, carried apart: each moves by an hour at a time. */
type Carried = WeakMap<ScopeSeries, CarriedSum>;
const carriedSpans: Carried = new WeakMap();
const carriedHours: Carried = new WeakMap();

function addCounts(target: SessionCounts, source: SessionCounts, sign: 1 | -1): void {
  target.sessions += sign * source.sessions;
  target.verifiedSessions += sign * source.verifiedSessions;
  target.failedSends += sign * source.failedSends;
  target.receiptsFailed += sign * source.receiptsFailed;
}

/** Adds (or takes out) the scope's hours in [fromMs, toMs): walks the hours it has when they are fewer (a sparse prefix has a handful). */
function addHours(series: ScopeSeries, counts: SessionCounts, fromMs: number, toMs: number, sign: 1 | -1): void {
  if (series.hours.size < (toMs - fromMs) / MS_PER_HOUR) {
    for (const [h, hour] of series.hours) if (h >= fromMs && h < toMs) addCounts(counts, hour, sign);
    return;
  }
  for (let h = fromMs; h < toMs; h += MS_PER_HOUR) {
    const hour = series.hours.get(h);
    if (hour) addCounts(counts, hour, sign);
  }
}

/**
 * The scope's whole committed hours in [fromMs, toMs) (both on the hour, every hour in it whole):
 * the carried sum moved there when it holds the same hours as the book and moving costs fewer
 * hours than the span, else summed afresh. Read-only: it is the carried sum.
 */
function wholeHours(carried: Carried, book: TrafficBook, series: ScopeSeries, fromMs: number, toMs: number): SessionCounts {
  let sum = carried.get(series);
  const movable =
    sum !== undefined &&
    sum.hoursVersion === book.hoursVersion &&
    sum.fromMs >= book.keptHoursFromMs &&
    Math.abs(sum.fromMs - fromMs) + Math.abs(sum.toMs - toMs) < toMs - fromMs;
  if (!sum || !movable) {
    sum = {
      fromMs,
      toMs: fromMs,
      hoursVersion: book.hoursVersion,
      counts: { sessions: 0, verifiedSessions: 0, failedSends: 0, receiptsFailed: 0 },
    };
    carried.set(series, sum);
  }
  if (toMs > sum.toMs) addHours(series, sum.counts, sum.toMs, toMs, 1);
  else addHours(series, sum.counts, toMs, sum.toMs, -1);
  if (fromMs < sum.fromMs) addHours(series, sum.counts, fromMs, sum.fromMs, 1);
  else addHours(series, sum.counts, sum.fromMs, fromMs, -1);
  sum.fromMs = fromMs;
  sum.toMs = toMs;
  return sum.counts;
}

/** What `book.spanSum(series, fromMs, toMs)` holds of sessions, its whole committed hours carried from the last ask. */
export function spanSessions(book: TrafficBook, series: ScopeSeries, fromMs: number, toMs: number): SessionCounts {
  // Hours before the commit point's hour are whole: committing minutes only adds to later ones.
  const wholeUntil = hourStart(book.committedUntilMs);
  const startHour = hourStart(fromMs);
  if (!(startHour < wholeUntil)) return book.spanSum(series, fromMs, toMs);
  // spanSum adds every hour that starts before `toMs`.
  const endHour = Math.min(Math.ceil(toMs / MS_PER_HOUR) * MS_PER_HOUR, wholeUntil);
  const counts = { sessions: 0, verifiedSessions: 0, failedSends: 0, receiptsFailed: 0 };
  if (endHour > startHour) addCounts(counts, wholeHours(carriedSpans, book, series, startHour, endHour), 1);
  // The hour being committed and the minutes after the commit point, as spanSum has them.
  if (toMs > wholeUntil) addCounts(counts, book.spanSum(series, wholeUntil, toMs), 1);
  return counts;
}

/**
 * Sessions of the hours a scope holds in [fromMs, toMs) (both on the hour), the hour being
 * committed as it stands: a scope's long-run share of its parent, read over four weeks.
 */
export function hourSessions(book: TrafficBook, series: ScopeSeries, fromMs: number, toMs: number): number {
  const wholeUntil = Math.max(fromMs, Math.min(toMs, hourStart(book.committedUntilMs)));
  let total = wholeUntil > fromMs ? wholeHours(carriedHours, book, series, fromMs, wholeUntil).sessions : 0;
  for (let h = wholeUntil; h < toMs; h += MS_PER_HOUR) total += series.hours.get(h)?.sessions ?? 0;
  return total;
}
