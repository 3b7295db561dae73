import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCappedMap, hashString } from '@tollgate/vocabulary';
import { SessionTable, type SessionSends } from '../src/session-table.ts';
import { SlidingWindow } from '../src/sliding-window.ts';
import { WindowTable } from '../src/window-table.ts';

/** Hashes that place keys well, badly, and all on one slot: answers must not depend on them. */
const HASHES: [string, ((key: string) => number) | undefined][] = [
  ['a hash seeded at random', undefined],
  ['a hash with three values', (key) => key.length % 3],
  ['one hash for every key', () => 5],
];

/** The tables keep a second hash of each key instead of the key: a fixed one here, distinct for every key of the tests. */
const checkKey = (key: string) => hashString(key, 0x2545f491);

const START_MS = 1_780_000_000_000;

/** A step: which key, how far the clock moves first (back, too), and what is asked. */
type Step = { op: 'count' | 'add' | 'room' | 'touch'; key: number; gapMs: number; max: number };

const stepArb = (windowMs: number): fc.Arbitrary<Step> =>
  fc.record({
    op: fc.constantFrom('count', 'add', 'add', 'room', 'touch'),
    key: fc.integer({ min: 0, max: 30 }),
    // Mostly forward within a window or two, sometimes back (a clock that steps back) or far ahead.
    gapMs: fc.oneof(
      fc.integer({ min: 0, max: Math.ceil(windowMs / 4) }),
      fc.integer({ min: -Math.ceil(windowMs / 2), max: 0 }),
      fc.integer({ min: 0, max: 3 * windowMs }),
    ),
    max: fc.integer({ min: 0, max: 4 }),
  });

describe('WindowTable against a capped map of SlidingWindow', () => {
  it.each(HASHES)('answers every sequence alike, through turnovers and a stepping clock, with %s', (_name, hashKey) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 20 }),
        fc
          .constantFrom(1, 7, 10_000, 3_600_000)
          .chain((windowMs) => fc.tuple(fc.constant(windowMs), fc.array(stepArb(windowMs), { maxLength: 300 }))),
        (maxKeys, [windowMs, steps]) => {
          const table = new WindowTable(maxKeys, windowMs, { hashKey, checkKey });
          const reference = createCappedMap<SlidingWindow>(maxKeys, { hashKey });
          let nowMs = START_MS;
          for (const step of steps) {
            nowMs += step.gapMs;
            const key = `key-${step.key}`;
            if (step.op === 'add') {
              table.at(table.slotFor(key)).add(nowMs);
              reference.upsert(key, () => new SlidingWindow(windowMs)).add(nowMs);
            } else {
              const slot = table.find(key);
              const window = reference.get(key);
              expect(slot >= 0).toBe(window !== undefined);
              if (window !== undefined && step.op === 'count') expect(table.at(slot).count(nowMs)).toBe(window.count(nowMs));
              if (window !== undefined && step.op === 'room')
                expect(table.at(slot).msUntilRoomFor(nowMs, step.max)).toBe(window.msUntilRoomFor(nowMs, step.max));
            }
            expect(table.size).toBe(reference.size);
            expect(table.evicted).toBe(reference.evicted);
          }
          for (let key = 0; key <= 30; key++) {
            const slot = table.find(`key-${key}`);
            const window = reference.get(`key-${key}`);
            expect(slot < 0 ? undefined : table.at(slot).count(nowMs)).toBe(window?.count(nowMs));
          }
        },
      ),
      { seed: 11, numRuns: 200 },
    );
  });

  it('keeps each key its own counts past many turnovers and growths of a large table', () => {
    const windowMs = 60_000;
    const table = new WindowTable(2_000, windowMs);
    const reference = createCappedMap<SlidingWindow>(2_000);
    let state = 1;
    let nowMs = START_MS;
    for (let n = 0; n < 40_000; n++) {
      // A linear congruential walk over 3,000 keys, a few milliseconds apart: repeats, misses and keys that span buckets.
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      nowMs += state % 7;
      const key = `key-${state % 3_000}`;
      table.at(table.slotFor(key)).add(nowMs);
      const window = reference.upsert(key, () => new SlidingWindow(windowMs));
      window.add(nowMs);
      expect(table.at(table.find(key)).count(nowMs)).toBe(window.count(nowMs));
    }
    expect(table.size).toBe(reference.size);
    expect(table.evicted).toBe(reference.evicted);
    expect(table.evicted).toBeGreaterThan(0);
  });
});

type SessionStep = { record: boolean; key: number; atMs: number };

describe('SessionTable against a capped map of session objects', () => {
  it.each(HASHES)('reads back what was written for every session, through turnovers, with %s', (_name, hashKey) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 16 }),
        fc.array(fc.record({ record: fc.boolean(), key: fc.integer({ min: 0, max: 24 }), atMs: fc.integer({ min: 0, max: 1_000_000 }) }), {
          maxLength: 300,
        }),
        (maxKeys, steps: SessionStep[]) => {
          const table = new SessionTable(maxKeys, { hashKey, checkKey });
          const reference = createCappedMap<SessionSends>(maxKeys, { hashKey });
          for (const step of steps) {
            const key = `session-${step.key}`;
            if (step.record) {
              const slot = table.slotFor(key);
              const sends = table.read(slot);
              const expected = reference.upsert(key, () => ({ firstSendMs: 0, lastSendMs: 0, sends: 0 }));
              expect(sends).toEqual(expected);
              expected.firstSendMs ||= step.atMs;
              expected.lastSendMs = step.atMs;
              expected.sends++;
              table.write(slot, { ...expected });
            } else {
              const slot = table.find(key);
              const expected = reference.get(key);
              expect(slot < 0 ? undefined : { ...table.read(slot) }).toEqual(expected);
            }
            expect(table.size).toBe(reference.size);
            expect(table.evicted).toBe(reference.evicted);
          }
        },
      ),
      { seed: 13, numRuns: 200 },
    );
  });
});
