/**
 * How busy a country is at a moment, relative to its average: a daily curve and a weekly dip,
 * both on the country's local clock. The detector's baselines must learn exactly these cycles, so
 * a quiet Sunday night must not look like a collapse and a Monday evening peak not like a burst.
 */
import { MS_PER_DAY, MS_PER_HOUR } from '../engine/time.ts';

/**
 * Relative OTP activity per local hour (0-23). Assumption, shaped like consumer app traffic: a
 * night trough around 3-4 am at a fifth of the mean, a morning climb, and an evening peak at 8 pm.
 */
const HOURLY_ACTIVITY = [
  0.45, 0.3, 0.22, 0.18, 0.18, 0.25, 0.45, 0.75, 1.0, 1.15, 1.25, 1.3, 1.35, 1.3, 1.25, 1.25, 1.3, 1.35, 1.4, 1.5, 1.55, 1.45, 1.1, 0.75,
] as const;

/**
 * Relative activity per local weekday, Sunday first; they average to 1. Assumption: logins and
 * step-ups follow work and banking days, so Saturday drops about 10% and Sunday about 20%.
 */
const WEEKDAY_ACTIVITY = [0.78, 1.06, 1.07, 1.07, 1.06, 1.04, 0.92] as const;

/** 1970-01-01, day 0 of epoch time, was a Thursday (Sunday = 0). */
const EPOCH_WEEKDAY = 4;

const HOURLY_MEAN = HOURLY_ACTIVITY.reduce((sum, value) => sum + value, 0) / HOURLY_ACTIVITY.length;

const DAYS_PER_WEEK = 7;

/** Local weekday (0 = Sunday) of an instant at a UTC offset. */
export function localWeekday(atMs: number, utcOffsetHours: number): number {
  const localDay = Math.floor((atMs + utcOffsetHours * MS_PER_HOUR) / MS_PER_DAY);
  return (((localDay + EPOCH_WEEKDAY) % DAYS_PER_WEEK) + DAYS_PER_WEEK) % DAYS_PER_WEEK;
}

/** Activity at `atMs` in a country at `utcOffsetHours`, relative to its weekly mean (mean 1). */
export function activityFactor(atMs: number, utcOffsetHours: number): number {
  const localMs = atMs + utcOffsetHours * MS_PER_HOUR;
  const localDay = Math.floor(localMs / MS_PER_DAY);
  const hour = (localMs - localDay * MS_PER_DAY) / MS_PER_HOUR;
  const hourIndex = Math.floor(hour);
  const fraction = hour - hourIndex;
  const from = HOURLY_ACTIVITY[hourIndex] ?? 1;
  const to = HOURLY_ACTIVITY[(hourIndex + 1) % HOURLY_ACTIVITY.length] ?? 1;
  const daily = (from + (to - from) * fraction) / HOURLY_MEAN;
  const weekly = WEEKDAY_ACTIVITY[localWeekday(atMs, utcOffsetHours)] ?? 1;
  return daily * weekly;
}
