/**
 * Sliding window sums against sums taken afresh: stepping minute by minute (a replay), with minutes
 * replaced between steps (the live cycle) and with hourly pruning, every window read at a step
 * holds what summing its minutes gives.
 */
import { describe, expect, it } from 'vitest';
import { zeroCounters, addCounters, type Counters } from '../src/counters.ts';
import { createTrafficBook, MS_PER_HOUR, MS_PER_MINUTE, type ScopeSeries, type TrafficBook } from '../src/traffic-book.ts';
import { createWindowSums } from '../src/window-sums.ts';
import { random, randomCells } from './random-cells.ts';

const START_MS = Date.parse('2026-11-02T00:00:00Z');
const COUNTRIES = ['KG', 'TJ', 'US'];

function freshSums(book: TrafficBook, fromMs: number, toMs: number): Map<string, Counters> {
  const sums = new Map<string, Counters>();
  for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) {
    for (const { series } of book.entriesOf(m)) {
      const minute = series.minutes.get(m);
      if (!minute) continue;
      const key = `${series.level}:${series.key}`;
      sums.set(key, addCounters(sums.get(key) ?? zeroCounters(), minute));
    }
  }
  return sums;
}

const byKey = (sums: ReadonlyMap<ScopeSeries, Counters>) =>
  new Map([...sums].map(([series, sum]) => [`${series.level}:${series.key}`, sum]));

describe('sliding window sums', () => {
  it.each([
    { name: 'a replay stepping over loaded minutes', replaceEvery: 0, stride: 1 },
    { name: 'a live cycle replacing its recent minutes', replaceEvery: 3, stride: 1 },
    // Steps minutes apart carry no window on: each is summed afresh into the sums the last gave up.
    { name: 'a live detector stepping minutes apart', replaceEvery: 0, stride: 4 },
  ])('equal sums taken afresh: $name', ({ replaceEvery, stride }) => {
    const next = random(7);
    const book = createTrafficBook({ recentMs: 3 * MS_PER_HOUR, historyMs: 35 * 24 * MS_PER_HOUR });
    const sums = createWindowSums(book);
    const stepsMs = 150;
    for (let m = START_MS; m < START_MS + stepsMs * MS_PER_MINUTE; m += MS_PER_MINUTE) book.setMinute(m, randomCells(next, COUNTRIES, [1]));
    for (let step = 40; step < stepsMs; step += stride) {
      const nowMs = START_MS + step * MS_PER_MINUTE;
      if (replaceEvery > 0 && step % replaceEvery === 0) book.setMinute(nowMs - 2 * MS_PER_MINUTE, randomCells(next, COUNTRIES, [1]));
      if (step % 60 === 0) book.prune(nowMs);
      // Windows of fixed length, and ones that grow from a start that stays put for a while (an
      // open anomaly's run), two of them ending at the same minute.
      const runStartMs = START_MS + (step - (step % 25) - 20) * MS_PER_MINUTE;
      for (const [fromMs, toMs] of [
        [nowMs - 30 * MS_PER_MINUTE, nowMs],
        [nowMs - 3 * MS_PER_MINUTE, nowMs],
        [nowMs - 32 * MS_PER_MINUTE, nowMs - 2 * MS_PER_MINUTE],
        [runStartMs, nowMs - 2 * MS_PER_MINUTE],
        [START_MS + 30 * MS_PER_MINUTE, nowMs],
      ] as const) {
        const got = byKey(sums.at(nowMs, fromMs, toMs));
        const want = freshSums(book, fromMs, toMs);
        expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
        for (const [key, sum] of want) expect(got.get(key)).toEqual(sum);
      }
    }
  });
});
