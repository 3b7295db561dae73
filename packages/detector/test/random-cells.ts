/**
 * Seeded random minutes of fine cells for the tests of what the engine keeps from step to step
 * (window sums, unfamiliar tallies): the same cells on every run.
 */
import { zeroCounters } from '../src/counters.ts';
import type { MinuteCell } from '../src/traffic-book.ts';

/** A deterministic generator (LCG): the same draws on every run. */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Up to four cells of one minute, into three prefixes of each of `countries`, from `asns`, some sessions verified. */
export function randomCells(next: () => number, countries: readonly string[], asns: readonly number[]): MinuteCell[] {
  const cells: MinuteCell[] = [];
  const count = Math.floor(next() * 5);
  for (let i = 0; i < count; i += 1) {
    const country = countries[Math.floor(next() * countries.length)] as string;
    const asn = asns[Math.floor(next() * asns.length)] as number;
    const counters = zeroCounters();
    counters.sends = 1 + Math.floor(next() * 3);
    counters.sessions = counters.sends;
    counters.verifiedSessions = Math.floor(next() * counters.sessions);
    counters.costEstUsd = counters.sends * 0.25;
    cells.push({ app: 'social', flow: 'signup', country, prefix: `${country} ${Math.floor(next() * 3)}`, asn, provider: 'p', counters });
  }
  return cells;
}
