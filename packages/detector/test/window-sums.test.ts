/**
 * Sliding window sums against sums taken afresh: stepping minute by minute (a replay), with minutes
 * replaced between steps (the live cycle) and with hourly pruning, every window read at a step
 * holds what summing its minutes gives.
 */
import { describe, expect, it } from 'vitest';
import { zeroCounters, addCounters, type Counters } from '../src/counters.ts';
import { createTrafficBook, MS_PER_HOUR, MS_PER_MINUTE, type MinuteCell, type ScopeSeries, type TrafficBook } from '../src/traffic-book.ts';
import { createWindowSums } from '../src/window-sums.ts';

const START_MS = Date.parse('2026-11-02T00:00:00Z');
const COUNTRIES = ['KG', 'TJ', 'US'];

/** A deterministic generator (LCG): the same cells on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function cellsFor(next: () => number): MinuteCell[] {
  const cells: MinuteCell[] = [];
  const count = Math.floor(next() * 4);
  for (let i = 0; i < count; i += 1) {
    const country = COUNTRIES[Math.floor(next() * COUNTRIES.length)] as string;
    const counters = zeroCounters();
    counters.sends = 1 + Math.floor(next() * 3);
    counters.sessions = counters.sends;
    counters.verifiedSessions = Math.floor(next() * counters.sessions);
    counters.costEstUsd = counters.sends * 0.25;
    cells.push({ app: 'social', flow: 'signup', country, prefix: `${country} ${Math.floor(next() * 3)}`, asn: 1, provider: 'p', counters });
  }
  return cells;
}

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
    { name: 'a replay stepping over loaded minutes', replaceEvery: 0 },
    { name: 'a live cycle replacing its recent minutes', replaceEvery: 3 },
  ])('equal sums taken afresh: $name', ({ replaceEvery }) => {
    const next = random(7);
    const book = createTrafficBook({ recentMs: 3 * MS_PER_HOUR, historyMs: 35 * 24 * MS_PER_HOUR });
    const sums = createWindowSums(book);
    const stepsMs = 150;
    for (let m = START_MS; m < START_MS + stepsMs * MS_PER_MINUTE; m += MS_PER_MINUTE) book.setMinute(m, cellsFor(next));
    for (let step = 40; step < stepsMs; step += 1) {
      const nowMs = START_MS + step * MS_PER_MINUTE;
      if (replaceEvery > 0 && step % replaceEvery === 0) book.setMinute(nowMs - 2 * MS_PER_MINUTE, cellsFor(next));
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
