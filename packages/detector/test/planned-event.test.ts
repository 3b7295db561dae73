import { describe, expect, it } from 'vitest';
import { plannedVolumeMultiplier, type PlannedEvent } from '../src/index.ts';

const T0 = Date.parse('2026-11-24T10:00:00Z');
const HOUR = 3_600_000;
const plan = (overrides: Partial<PlannedEvent>): PlannedEvent => ({
  id: 'plan_1',
  kind: 'campaign',
  scope: { country: 'BR' },
  startsAt: T0,
  endsAt: T0 + 2 * HOUR,
  volumeMultiplier: 3,
  note: 'x',
  author: 'a',
  createdAt: T0 - HOUR,
  ...overrides,
});

describe('plannedVolumeMultiplier', () => {
  it.each([
    ['the country the campaign names', { country: 'BR' }, T0 + HOUR, 3],
    ['a prefix of that country', { country: 'BR', prefix: '+55 11' }, T0 + HOUR, 3],
    ['an app inside that country', { country: 'BR', app: 'shop' }, T0, 3],
    ['another country', { country: 'AR' }, T0 + HOUR, 1],
    ['all traffic, which is broader than the campaign', {}, T0 + HOUR, 1],
    ["the campaign's country before it starts", { country: 'BR' }, T0 - 1, 1],
    ["the campaign's country at its end", { country: 'BR' }, T0 + 2 * HOUR, 1],
  ])('expects the declared volume for %s only inside the window', (_name, scope, atMs, expected) => {
    expect(plannedVolumeMultiplier([plan({})], scope, atMs)).toBe(expected);
  });

  it('takes the largest multiplier where events overlap', () => {
    const events = [plan({}), plan({ id: 'plan_2', scope: { country: 'BR', app: 'shop' }, volumeMultiplier: 5 })];
    expect(plannedVolumeMultiplier(events, { country: 'BR', app: 'shop' }, T0 + HOUR)).toBe(5);
    expect(plannedVolumeMultiplier(events, { country: 'BR', app: 'bank' }, T0 + HOUR)).toBe(3);
  });
});
