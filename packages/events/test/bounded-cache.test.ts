import { describe, expect, it } from 'vitest';
import { createBoundedCache } from '../src/bounded-cache.ts';

describe('createBoundedCache', () => {
  it('never holds more than its bound', () => {
    const cache = createBoundedCache<number>(10);
    for (let index = 0; index < 1_000; index++) cache.set(`k${index}`, index);
    expect(cache.size).toBeLessThanOrEqual(10);
  });

  it.each([
    ['drops the oldest entries first', ['set a', 'set b', 'set c', 'set d', 'set e'], { a: undefined, b: undefined, d: 4, e: 5 }],
    ['keeps an entry read since the last turnover', ['set a', 'set b', 'set c', 'get a', 'set d'], { a: 1, b: undefined, d: 4 }],
  ])('%s', (_name, steps, expected) => {
    // A bound of 4 is two generations of 2.
    const cache = createBoundedCache<number>(4);
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
    expect(() => createBoundedCache(bound)).toThrow(RangeError);
  });
});
