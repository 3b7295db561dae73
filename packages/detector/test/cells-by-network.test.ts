/**
 * Recent cells by destination country and client network against a fresh grouping of the book's
 * cells: stepping minute by minute (a replay), with minutes replaced between steps (the live
 * cycle), with hourly pruning and with a jump ahead (a restart), every step sees exactly the cells
 * of its span with a known network, and no network left without cells.
 */
import { describe, expect, it } from 'vitest';
import { createCellsByNetwork, type NetworkCells } from '../src/cells-by-network.ts';
import { createTrafficBook, MS_PER_HOUR, MS_PER_MINUTE, type MinuteCell, type TrafficBook } from '../src/traffic-book.ts';
import { random, randomCells } from './random-cells.ts';

const START_MS = Date.parse('2026-11-02T00:00:00Z');
const COUNTRIES = ['KG', 'TJ', 'US'];
/** Network 0 is a session with no client address. */
const ASNS = [0, 7, 8, 9];

/** `country|asn|minute` to the cells there, in the book's order. */
function fresh(book: TrafficBook, fromMs: number, toMs: number): Map<string, MinuteCell[]> {
  const grouped = new Map<string, MinuteCell[]>();
  for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) {
    for (const cell of book.cellsOf(m)) {
      if (cell.asn === 0) continue;
      const key = `${cell.country}|${cell.asn}|${m}`;
      grouped.set(key, [...(grouped.get(key) ?? []), cell]);
    }
  }
  return grouped;
}

function flatten(networks: Iterable<NetworkCells>): Map<string, MinuteCell[]> {
  const grouped = new Map<string, MinuteCell[]>();
  for (const network of networks) {
    expect(network.minutes.size).toBeGreaterThan(0);
    for (const [m, cells] of network.minutes) {
      for (const cell of cells) expect([cell.country, cell.asn]).toEqual([network.country, network.asn]);
      grouped.set(`${network.country}|${network.asn}|${m}`, cells);
    }
  }
  return grouped;
}

describe('cells by network', () => {
  it.each([
    { name: 'a replay stepping over loaded minutes', replaceEvery: 0 },
    { name: 'a live cycle replacing its recent minutes', replaceEvery: 3 },
  ])('equal a fresh grouping of the span: $name', ({ replaceEvery }) => {
    const next = random(11);
    // Minutes are kept for less than the span, so pruning takes some from under the index.
    const book = createTrafficBook({ recentMs: 100 * MS_PER_MINUTE, historyMs: 35 * 24 * MS_PER_HOUR });
    const index = createCellsByNetwork();
    const stepsMs = 400;
    const spanMs = 120 * MS_PER_MINUTE;
    for (let m = START_MS; m < START_MS + stepsMs * MS_PER_MINUTE; m += MS_PER_MINUTE)
      book.setMinute(m, randomCells(next, COUNTRIES, ASNS));
    let compared = 0;
    for (let step = 20; step < stepsMs; step += step === 200 ? 90 : 1) {
      const nowMs = START_MS + step * MS_PER_MINUTE;
      if (replaceEvery > 0 && step % replaceEvery === 0) {
        book.setMinute(nowMs - 2 * MS_PER_MINUTE, randomCells(next, COUNTRIES, ASNS));
        book.setMinute(nowMs - MS_PER_MINUTE, []);
      }
      if (step % 60 === 0) {
        book.commitUntil(nowMs - 2 * MS_PER_MINUTE);
        book.prune(nowMs);
      }
      const got = flatten(index.over(book, nowMs - spanMs, nowMs));
      const want = fresh(book, nowMs - spanMs, nowMs);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [key, cells] of want) expect(got.get(key)).toEqual(cells);
      compared += want.size;
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
