import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCappedMap, type CappedMap, type CappedMapOptions } from '../src/capped-map.ts';
import { hashString } from '../src/string-hash.ts';

/**
 * The two-generation map as it was first written, on two `Map`s: the answers the open-addressing
 * table must give, key for key, including which keys a turnover drops.
 */
function twoMapReference<V>(maxKeys: number): CappedMap<V> {
  const generationCap = Math.floor(maxKeys / 2);
  let young = new Map<string, V>();
  let old = new Map<string, V>();
  let evicted = 0;
  function insert(key: string, value: V): void {
    if (young.size >= generationCap) {
      evicted += old.size;
      old = young;
      young = new Map();
    }
    young.set(key, value);
  }
  function get(key: string): V | undefined {
    const hit = young.get(key);
    if (hit !== undefined) return hit;
    const survivor = old.get(key);
    if (survivor === undefined) return undefined;
    old.delete(key);
    insert(key, survivor);
    return survivor;
  }
  return {
    get,
    set(key, value) {
      if (young.has(key)) young.set(key, value);
      else {
        old.delete(key);
        insert(key, value);
      }
    },
    addAbsent: insert,
    upsert(key, create) {
      const found = get(key);
      if (found !== undefined) return found;
      const created = create();
      insert(key, created);
      return created;
    },
    *values() {
      yield* young.values();
      yield* old.values();
    },
    get size() {
      return young.size + old.size;
    },
    get evicted() {
      return evicted;
    },
  };
}

type Step = { op: 'get' | 'set' | 'upsert' | 'addAbsent'; key: number; value: number };

const stepArb: fc.Arbitrary<Step> = fc.record({
  op: fc.constantFrom('get', 'set', 'upsert', 'addAbsent'),
  key: fc.integer({ min: 0, max: 40 }),
  value: fc.integer({ min: 1, max: 1_000 }),
});

/** Hashes that place keys well, badly, and all on one slot: answers must not depend on them. */
const HASHES: [string, ((key: string) => number) | undefined][] = [
  ['a hash seeded at random', undefined],
  ['a hash with four values', (key) => key.length % 4],
  ['one hash for every key', () => 7],
  ['a negative hash', (key) => -1 - key.charCodeAt(key.length - 1)],
];

/**
 * Keys held, and keys kept as a second hash (a fixed one, distinct for every key of the tests):
 * with one hash for every key, the fingerprinted map tells keys apart by that second hash alone.
 */
const KEYS: [string, CappedMapOptions][] = [
  ['keys held', {}],
  ['keys fingerprinted', { fingerprintKeys: true, checkKey: (key) => hashString(key, 0x2545f491) }],
];

function run(map: CappedMap<number>, step: Step): number | undefined {
  const key = `key-${step.key}`;
  switch (step.op) {
    case 'get':
      return map.get(key);
    case 'set':
      map.set(key, step.value);
      return undefined;
    case 'upsert':
      return map.upsert(key, () => step.value);
    case 'addAbsent':
      // The contract: only for a key a get just missed.
      if (map.get(key) !== undefined) return undefined;
      map.addAbsent(key, step.value);
      return undefined;
  }
}

describe.each(KEYS)('createCappedMap against the two-Map reference, %s', (_keys, keyOptions) => {
  it.each(HASHES)('answers every sequence of calls alike, with %s', (_name, hashKey) => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 24 }), fc.array(stepArb, { maxLength: 300 }), (maxKeys, steps) => {
        const table = createCappedMap<number>(maxKeys, { ...keyOptions, hashKey });
        const reference = twoMapReference<number>(maxKeys);
        for (const step of steps) {
          expect(run(table, step)).toBe(run(reference, step));
          expect(table.size).toBe(reference.size);
          expect(table.evicted).toBe(reference.evicted);
        }
        expect([...table.values()].sort((a, b) => a - b)).toEqual([...reference.values()].sort((a, b) => a - b));
        for (let key = 0; key <= 40; key++) expect(table.get(`key-${key}`)).toBe(reference.get(`key-${key}`));
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('keeps answering alike past many turnovers and growths of a large table', () => {
    const table = createCappedMap<number>(2_000, keyOptions);
    const reference = twoMapReference<number>(2_000);
    let state = 1;
    for (let n = 0; n < 50_000; n++) {
      // A linear congruential walk over 5,000 keys: repeats and misses in a fixed order.
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      const step: Step = { op: n % 3 === 0 ? 'set' : 'upsert', key: state % 5_000, value: n };
      expect(run(table, step)).toBe(run(reference, step));
    }
    expect(table.size).toBe(reference.size);
    expect(table.evicted).toBe(reference.evicted);
    expect(table.evicted).toBeGreaterThan(0);
  });
});
