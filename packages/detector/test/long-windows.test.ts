/**
 * A scope's long windows, read in one walk back over the longest, against each window's minutes
 * summed on their own: stepping minute by minute over loaded minutes (a replay), with minutes
 * replaced between steps (the live cycle), across hours, with scopes read only at some steps, and
 * with a brute force's sessions being taken out.
 */
import { describe, expect, it } from 'vitest';
import { longWindows } from '../src/long-windows.ts';
import { reachableSessions, type Counters } from '../src/counters.ts';
import { DEFAULT_DETECTOR_CONFIG } from '../src/detector-config.ts';
import { createTrafficBook, MS_PER_HOUR, MS_PER_MINUTE, type ScopeSeries, type TrafficBook } from '../src/traffic-book.ts';
import { unverified } from '../src/unverified-sessions.ts';
import { random, randomCells } from './random-cells.ts';

const START_MS = Date.parse('2026-11-02T00:00:00Z');
const COUNTRIES = ['KG', 'TJ', 'US'];
const WINDOWS_MS = DEFAULT_DETECTOR_CONFIG.unfamiliarWindowsMs;
const GRACE_MS = DEFAULT_DETECTOR_CONFIG.unverifiedGraceMs;

/** One session of every minute of KG taken out, as a brute force's would be. */
const withoutGuessed = (series: ScopeSeries, minuteMs: number): Counters | undefined => {
  const minute = series.minutes.get(minuteMs);
  if (!minute || series.scope.country !== 'KG') return minute;
  return { ...minute, sessions: Math.max(0, minute.sessions - 1) };
};

/** A scope's minutes in [fromMs, toMs) summed with `read`. */
function sumOf(series: ScopeSeries, fromMs: number, toMs: number, read: (series: ScopeSeries, minuteMs: number) => Counters | undefined) {
  const sum = { sends: 0, failedSends: 0, sessions: 0, verifiedSessions: 0, verifyAttempts: 0, verifyFailures: 0 } as Counters;
  Object.assign(sum, { costEstUsd: 0, costBilledUsd: 0, billedMessages: 0, receiptsDelivered: 0, receiptsFailed: 0 });
  for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) {
    const minute = read(series, m);
    if (!minute) continue;
    for (const key of Object.keys(sum) as (keyof Counters)[]) sum[key] += minute[key];
  }
  return sum;
}

function scopesOf(book: TrafficBook): ScopeSeries[] {
  return ['prefix', 'country'].flatMap((level) => [...(book.levels.get(level as 'prefix' | 'country')?.values() ?? [])]);
}

describe('long windows of a scope', () => {
  it.each([
    { name: 'a replay stepping over loaded minutes', replaceEvery: 0, guessedFrom: Infinity },
    { name: 'a live cycle replacing its recent minutes', replaceEvery: 4, guessedFrom: Infinity },
    { name: 'a replay with a brute force taken out from step 200', replaceEvery: 0, guessedFrom: 200 },
  ])('equal the minutes walked afresh: $name', ({ replaceEvery, guessedFrom }) => {
    const next = random(23);
    const book = createTrafficBook({ recentMs: 3 * MS_PER_HOUR, historyMs: 35 * 24 * MS_PER_HOUR });
    const steps = 260;
    for (let m = START_MS; m < START_MS + steps * MS_PER_MINUTE; m += MS_PER_MINUTE)
      book.setMinute(m, randomCells(next, COUNTRIES, [1, 2]));
    let reads = 0;
    let calls = 0;
    let compared = 0;
    for (let step = 130; step < steps; step += 1) {
      const nowMs = START_MS + step * MS_PER_MINUTE;
      if (replaceEvery > 0 && step % replaceEvery === 0) book.setMinute(nowMs - 2 * MS_PER_MINUTE, randomCells(next, COUNTRIES, [1, 2]));
      const guessed = step >= guessedFrom;
      const read = guessed ? withoutGuessed : (series: ScopeSeries, minuteMs: number) => series.minutes.get(minuteMs);
      const ctx = {
        nowMs,
        config: DEFAULT_DETECTOR_CONFIG,
        minute: (series: ScopeSeries, minuteMs: number) => {
          reads += 1;
          return read(series, minuteMs);
        },
      };
      for (const [i, series] of scopesOf(book).entries()) {
        // Some scopes are read at every step, others now and then (a scope named off and on).
        if (i % 3 === 2 && step % 5 !== 0) continue;
        const got = longWindows(ctx, series, WINDOWS_MS);
        calls += 1;
        for (const windowMs of WINDOWS_MS) {
          const young = sumOf(series, nowMs - GRACE_MS, nowMs, read);
          const matured = sumOf(series, nowMs - windowMs, nowMs - GRACE_MS, read);
          const observed = got.get(windowMs);
          expect(observed).toBe(reachableSessions(young) + unverified(matured));
          if ((observed ?? 0) > 0) compared += 1;
        }
      }
    }
    // The comparisons were on sessions, not on empty windows.
    expect(compared).toBeGreaterThan(1000);
    // One walk: the grace's minutes and the longest window's, once a read.
    expect(reads).toBe(calls * (Math.max(...WINDOWS_MS) / MS_PER_MINUTE));
  });
});
