import { describe, expect, it } from 'vitest';
import { RecentMap } from '../src/recent-map.ts';

function clockAt(start: number) {
  const clock = { now: start, fn: () => clock.now };
  return clock;
}

describe('RecentMap', () => {
  it('keeps every entry for at least the window', () => {
    const clock = clockAt(0);
    const map = new RecentMap<number>({ windowMs: 3_000, maxEntries: 1_000, generations: 4, clock: clock.fn });
    map.set('a', 1);
    for (let t = 0; t <= 3_000; t += 100) {
      clock.now = t;
      map.set(`k${t}`, t);
      expect(map.get('a')).toBe(1);
    }
  });

  it('forgets entries once they are older than the window plus one generation', () => {
    const clock = clockAt(0);
    const map = new RecentMap<number>({ windowMs: 3_000, maxEntries: 1_000, generations: 4, clock: clock.fn });
    map.set('old', 1);
    for (let t = 1_000; t <= 5_000; t += 1_000) {
      clock.now = t;
      map.set(`k${t}`, t);
    }
    expect(map.has('old')).toBe(false);
    expect(map.evictedEarly).toBe(0);
  });

  it.each([
    [100, 4],
    [1_000, 8],
  ])('never holds more than maxEntries=%i (generations=%i) and counts early evictions', (maxEntries, generations) => {
    const clock = clockAt(0);
    const map = new RecentMap<number>({ windowMs: 60_000, maxEntries, generations, clock: clock.fn });
    for (let i = 0; i < maxEntries * 5; i++) map.set(`k${i}`, i);
    expect(map.size).toBeLessThanOrEqual(maxEntries);
    expect(map.has(`k${maxEntries * 5 - 1}`)).toBe(true);
    expect(map.evictedEarly).toBeGreaterThan(0);
  });
});
