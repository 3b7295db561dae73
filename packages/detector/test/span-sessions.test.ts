/**
 * Session counts carried from hour to hour against the book's span sums and its hours summed
 * afresh: a replay committing its minutes, asking for the spans of the step's hour and the hours
 * before it at every few minutes, with a committed hour replaced on the way and hours pruned under
 * the longer span, every count is the fresh one.
 */
import { describe, expect, it } from 'vitest';
import { zeroCounters } from '../src/counters.ts';
import { hourSessions, spanSessions } from '../src/span-sessions.ts';
import { createTrafficBook, hourStart, MS_PER_HOUR, MS_PER_MINUTE } from '../src/traffic-book.ts';
import { random, randomCells } from './random-cells.ts';

const START_MS = Date.parse('2026-11-02T00:00:00Z');
const COUNTRIES = ['KG', 'TJ', 'US'];

const sessionsOf = (c: { sessions: number; verifiedSessions: number; failedSends: number; receiptsFailed: number }) => ({
  sessions: c.sessions,
  verifiedSessions: c.verifiedSessions,
  failedSends: c.failedSends,
  receiptsFailed: c.receiptsFailed,
});

describe('session counts carried from hour to hour', () => {
  it('equal the span sums taken afresh', () => {
    const next = random(13);
    // Hours kept 26: the hourly prune drops hours under the prefixes' 30-hour span and none under the day.
    const book = createTrafficBook({ recentMs: 3 * MS_PER_HOUR, historyMs: 26 * MS_PER_HOUR });
    let compared = 0;
    let replaced = false;
    for (let nowMs = START_MS + MS_PER_MINUTE; nowMs <= START_MS + 72 * MS_PER_HOUR; nowMs += MS_PER_MINUTE) {
      const cells = randomCells(next, COUNTRIES, [1]);
      for (const cell of cells) {
        cell.counters.failedSends = Math.floor(next() * 2);
        cell.counters.receiptsFailed = Math.floor(next() * 2);
      }
      book.setMinute(nowMs - MS_PER_MINUTE, cells);
      book.commitUntil(nowMs - 30 * MS_PER_MINUTE);
      if (nowMs % MS_PER_HOUR === MS_PER_MINUTE) book.prune(nowMs);
      // A committed hour of one country read again from the store (warm-up, late bills).
      if (!replaced && nowMs >= START_MS + 40 * MS_PER_HOUR) {
        replaced = true;
        const counters = { ...zeroCounters(), sessions: 500, verifiedSessions: 7, failedSends: 3, receiptsFailed: 2 };
        const cell = { app: 'social', flow: 'signup', country: 'KG', prefix: 'KG 1', asn: 1, provider: 'p' };
        book.setHours('country', [{ hourMs: START_MS + 30 * MS_PER_HOUR, cell, counters }]);
      }
      if (nowMs % (7 * MS_PER_MINUTE) !== 0) continue;
      // The hours before the step's (a trend reads its span's earlier hours), then the step's own:
      // a day of the whole traffic and of countries, thirty hours of prefixes.
      for (const [level, spanMs] of [
        ['all', 24 * MS_PER_HOUR],
        ['country', 24 * MS_PER_HOUR],
        ['prefix', 30 * MS_PER_HOUR],
      ] as const) {
        for (const s of book.levels.get(level)?.values() ?? []) {
          for (const back of [2, 1, 0]) {
            const hour = hourStart(nowMs) - back * MS_PER_HOUR;
            const toMs = Math.min(hour, book.committedUntilMs);
            const want = sessionsOf(book.spanSum(s, hour - spanMs, toMs));
            expect(sessionsOf(spanSessions(book, s, hour - spanMs, toMs))).toEqual(want);
            if (want.sessions > 0) compared += 1;
            // The hours the scope holds, the one being committed as it stands.
            let held = 0;
            for (const [h, counters] of s.hours) if (h >= hour - spanMs && h < hour) held += counters.sessions;
            expect(hourSessions(book, s, hour - spanMs, hour)).toBe(held);
          }
        }
      }
    }
    // The comparisons were on traffic, not on empty spans.
    expect(compared).toBeGreaterThan(10_000);
  });
});
