/**
 * The book's commits and hourly prunes against a plain tally of every minute fed: stepping a
 * replay minute by minute (one minute committed a step), with a jump that commits many at once and
 * old hours set from the store between prunes, every scope keeps exactly the minutes and hours
 * still in reach, and each hour holds the sum of its committed minutes. A window summed into an
 * object used before holds what a new sum does.
 */
import { describe, expect, it } from 'vitest';
import { zeroCounters, type Counters } from '../src/counters.ts';
import { SCOPE_LEVELS } from '../src/scope.ts';
import { createTrafficBook, hourStart, levelKey, MS_PER_HOUR, MS_PER_MINUTE, type MinuteCell } from '../src/traffic-book.ts';
import { random, randomCells } from './random-cells.ts';

const START_MS = Date.parse('2026-11-02T00:00:00Z');
const RECENT_MS = MS_PER_HOUR;
const HISTORY_MS = 26 * MS_PER_HOUR;
const MUTABLE_MS = 30 * MS_PER_MINUTE;

describe('the traffic book committing and pruning', () => {
  it('keeps what is in reach, with hours summing their committed minutes', () => {
    const next = random(17);
    const book = createTrafficBook({ recentMs: RECENT_MS, historyMs: HISTORY_MS });
    // Sessions of every scope by minute, as fed: the tally the book is checked against.
    const fed = new Map<string, Map<number, number>>();
    const feed = (minuteMs: number, cells: MinuteCell[]) => {
      book.setMinute(minuteMs, cells);
      for (const cell of cells) {
        for (const level of SCOPE_LEVELS) {
          const key = `${level}:${levelKey(level, cell)}`;
          const minutes = fed.get(key) ?? new Map<number, number>();
          minutes.set(minuteMs, (minutes.get(minuteMs) ?? 0) + cell.counters.sessions);
          fed.set(key, minutes);
        }
      }
    };
    let checked = 0;
    let oldHourSet = false;
    for (let nowMs = START_MS + MS_PER_MINUTE; nowMs <= START_MS + 60 * MS_PER_HOUR; nowMs += MS_PER_MINUTE) {
      // Half an hour without traffic at hour 30 (a quiet replay), then many minutes committed at once.
      if (nowMs < START_MS + 30 * MS_PER_HOUR || nowMs > START_MS + 31 * MS_PER_HOUR) {
        feed(nowMs - MS_PER_MINUTE, randomCells(next, ['KG', 'TJ', 'US'], [1, 2]));
        book.commitUntil(nowMs - MUTABLE_MS);
      }
      // A store's hour older than every kept one (warm-up, late bills) between two prunes.
      if (!oldHourSet && nowMs >= START_MS + 40 * MS_PER_HOUR) {
        oldHourSet = true;
        const counters = { ...zeroCounters(), sessions: 9 };
        book.setHours('country', [
          { hourMs: START_MS, cell: { app: '', flow: '', country: 'KG', prefix: '', asn: 0, provider: '' }, counters },
        ]);
      }
      if (nowMs % MS_PER_HOUR !== MS_PER_MINUTE) continue;
      book.prune(nowMs);
      const oldestMinute = Math.min(nowMs - RECENT_MS, book.committedUntilMs);
      const oldestHour = nowMs - HISTORY_MS;
      for (const [key, minutes] of fed) {
        const [level, levelKeyOf] = key.split(/:(.*)/s) as [(typeof SCOPE_LEVELS)[number], string];
        const series = book.levels.get(level)?.get(levelKeyOf);
        const wantMinutes = [...minutes.keys()].filter((m) => m >= oldestMinute).sort((a, b) => a - b);
        const wantHours = new Map<number, number>();
        for (const [m, sessions] of minutes) {
          if (m >= book.committedUntilMs || hourStart(m) < oldestHour) continue;
          wantHours.set(hourStart(m), (wantHours.get(hourStart(m)) ?? 0) + sessions);
        }
        if (wantMinutes.length === 0 && wantHours.size === 0) {
          expect(series).toBeUndefined();
          continue;
        }
        expect([...(series?.minutes.keys() ?? [])].sort((a, b) => a - b)).toEqual(wantMinutes);
        const hours = new Map([...(series?.hours ?? [])].map(([h, c]) => [h, c.sessions]));
        expect(hours).toEqual(wantHours);
        checked += 1;
      }
    }
    // The checks were on scopes with traffic, at every hour.
    expect(checked).toBeGreaterThan(1000);
  });

  it('sums a window into an object used before as into a new one', () => {
    const next = random(19);
    const book = createTrafficBook({ recentMs: RECENT_MS, historyMs: HISTORY_MS });
    for (let m = START_MS; m < START_MS + 90 * MS_PER_MINUTE; m += MS_PER_MINUTE) book.setMinute(m, randomCells(next, ['KG', 'TJ'], [1]));
    // Every counter left at something other than zero by an earlier scope.
    const used = Object.fromEntries(Object.keys(zeroCounters()).map((key, i) => [key, i + 1.5])) as unknown as Counters;
    let compared = 0;
    for (const series of book.levels.get('prefix')?.values() ?? []) {
      for (const [fromMs, toMs] of [
        [START_MS, START_MS + 30 * MS_PER_MINUTE],
        [START_MS + 45 * MS_PER_MINUTE, START_MS + 90 * MS_PER_MINUTE],
      ] as const) {
        const fresh = book.windowSum(series, fromMs, toMs);
        expect(book.windowSum(series, fromMs, toMs, used)).toEqual(fresh);
        if (fresh.sends > 0) compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(4);
  });
});
