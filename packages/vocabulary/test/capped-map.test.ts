import { describe, expect, it } from 'vitest';
import { createCappedMap } from '../src/capped-map.ts';

describe('createCappedMap', () => {
  it('never holds more than its bound', () => {
    const cache = createCappedMap<number>(10);
    for (let index = 0; index < 1_000; index++) cache.set(`k${index}`, index);
    expect(cache.size).toBeLessThanOrEqual(10);
  });

  it.each([
    ['drops the oldest entries first', ['set a', 'set b', 'set c', 'set d', 'set e'], { a: undefined, b: undefined, d: 4, e: 5 }],
    ['keeps an entry read since the last turnover', ['set a', 'set b', 'set c', 'get a', 'set d'], { a: 1, b: undefined, d: 4 }],
  ])('%s', (_name, steps, expected) => {
    // A bound of 4 is two generations of 2.
    const cache = createCappedMap<number>(4);
    let written = 0;
    for (const step of steps) {
      const [action, key = ''] = step.split(' ');
      if (action === 'set') cache.set(key, ++written);
      else cache.get(key);
    }
    const held = Object.fromEntries(Object.keys(expected).map((key) => [key, cache.get(key)]));
    expect(held).toEqual(expected);
  });

  it.each([0, 1, 2.5])('refuses a bound of %d', (bound) => {
    expect(() => createCappedMap(bound)).toThrow(RangeError);
  });

  it('counts what the cap dropped, and creates a value only when the key is absent', () => {
    const map = createCappedMap<number[]>(4);
    const first = map.upsert('a', () => []);
    expect(map.upsert('a', () => [99])).toBe(first);
    for (const key of ['b', 'c', 'd', 'e', 'f']) map.upsert(key, () => []);
    expect(map.size).toBeLessThanOrEqual(4);
    expect(map.evicted).toBe(2);
    expect([...map.values()]).toHaveLength(map.size);
  });

  it('adds a key known to be absent under the same cap as any other', () => {
    const map = createCappedMap<number>(4);
    for (const [n, key] of ['a', 'b', 'c', 'd', 'e', 'f'].entries()) {
      expect(map.get(key)).toBeUndefined();
      map.addAbsent(key, n);
    }
    expect(map.size).toBeLessThanOrEqual(4);
    expect(map.size + map.evicted).toBe(6);
    expect(map.get('f')).toBe(5);
  });
});
