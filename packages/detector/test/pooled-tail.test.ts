import { describe, expect, it } from 'vitest';
import { pooledTail, type PoolMember } from '../src/statistics/pooled-tail.ts';

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / expected;
const member = (item: string, observed: number, expected: number): PoolMember<string> => ({ item, observed, expected });
const always = () => true;

/** A burst split over two quiet countries: three hosting sessions into one, one into the other. */
const SPLIT = [member('UZ', 1, 0.0017), member('LK', 3, 0.0046)];

describe('pooledTail', () => {
  it.each([
    // P(X >= 4) at 0.0063, by hand with 40-digit decimals: 6.530739214e-11; C(38, 2) = 703, C(200, 2) = 19,900.
    { name: 'two of 38 countries: the tail times 703 pairs, times 2 for the sizes tried', universe: 38, p: 6.530739214e-11 * 703 * 2 },
    { name: 'two of 200 countries: the same tail pays for 19,900 pairs', universe: 200, p: 6.530739214e-11 * 19_900 * 2 },
  ])('prices the pooled tail for every choice of as many scopes: $name', ({ universe, p }) => {
    const pooled = pooledTail(SPLIT, universe, always);
    expect(pooled?.members.map((m) => m.item)).toEqual(['LK', 'UZ']);
    expect(pooled?.observed).toBe(4);
    expect(relative(pooled?.expected ?? 0, 0.0063)).toBeLessThan(1e-12);
    expect(relative(Math.exp(pooled?.logTail ?? 0), 6.530739214e-11)).toBeLessThan(1e-8);
    expect(relative(Math.exp(pooled?.logP ?? 0), p)).toBeLessThan(1e-8);
  });

  it('needs both countries of the split burst: neither alone, priced as one of 38, is as rare', () => {
    // LK alone: P(X >= 3) at 0.0046 = 1.617e-8, times 38 = 6.1e-7, against 9.2e-8 for the pair.
    expect(pooledTail(SPLIT, 38, always)?.needed.map((m) => m.item)).toEqual(['LK', 'UZ']);
  });

  it('does not need a busy country whose one session chance brings any minute: the quiet one carries the pool', () => {
    const pooled = pooledTail([member('LK', 3, 0.0046), member('BR', 1, 0.5)], 38, always);
    expect(pooled?.needed.map((m) => m.item)).toEqual(['LK']);
  });

  it('keeps the pool of the most surprising scopes when a third adds only chance', () => {
    const pooled = pooledTail([...SPLIT, member('BR', 1, 0.5)], 38, always);
    expect(pooled?.members.map((m) => m.item)).toEqual(['LK', 'UZ']);
  });

  it('tries only the pools the rules admit, and none of fewer than two scopes', () => {
    expect(pooledTail(SPLIT, 38, () => false)).toBeUndefined();
    expect(pooledTail([member('LK', 3, 0.0046)], 38, always)).toBeUndefined();
    const noPairs = pooledTail([...SPLIT, member('KW', 1, 0.001)], 38, (pool) => pool.length >= 3);
    expect(noPairs?.members).toHaveLength(3);
  });
});
