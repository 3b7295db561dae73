import { dateTimeFormat } from './format.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * How a time axis labels its ticks, from the points' spacing and span: daily buckets by date
 * ("Dec 4"), hours across several days by date and hour, minutes and hours within a day by time.
 * Daily buckets start at midnight UTC: labelled by time they would all read "12:00 AM".
 */
export function timeTickOptions(times: readonly number[]): Intl.DateTimeFormatOptions {
  const sorted = [...times].filter(Number.isFinite).sort((a, b) => a - b);
  const spanMs = sorted.length > 1 ? sorted[sorted.length - 1]! - sorted[0]! : 0;
  const stepMs = sorted.slice(1).reduce((smallest, t, i) => Math.min(smallest, t - sorted[i]!), Infinity);
  if (stepMs >= DAY_MS || spanMs > 7 * DAY_MS) return { month: 'short', day: 'numeric', timeZone: 'UTC' };
  if (spanMs > DAY_MS) return { month: 'short', day: 'numeric', hour: '2-digit', timeZone: 'UTC' };
  return { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' };
}

export function timeTickFormatter(locale: string, times: readonly number[]): (ts: number) => string {
  const format = dateTimeFormat(locale, timeTickOptions(times));
  return (ts: number) => format.format(ts);
}
