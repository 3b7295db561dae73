import { describe, expect, it } from 'vitest';
import { createSimulator } from '../src/index.ts';
import { activityFactor, localWeekday } from '../src/traffic/seasonality.ts';
import { DAY_MS, HOUR_MS, MONDAY_MS, sendsOf } from './support/traffic-stats.ts';

/** A week at a tenth of the default rate still has ~4 000 sends an hour: plenty to compare days. */
const LIGHT_RATE = 20;
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

describe('seasonality', () => {
  it('sends less on the weekend than on weekdays', () => {
    const sim = createSimulator({ seed: 8, startMs: MONDAY_MS, sendsPerMinute: LIGHT_RATE });
    const perDay = WEEKDAYS.map((_, day) => {
      const fromMs = MONDAY_MS + day * DAY_MS;
      return sendsOf([...sim.generate(fromMs, fromMs + DAY_MS)]).length;
    });
    const weekday = perDay.slice(0, 5).reduce((sum, sends) => sum + sends, 0) / 5;
    const weekend = perDay.slice(5).reduce((sum, sends) => sum + sends, 0) / 2;
    expect(weekend / weekday).toBeLessThan(0.9);
    expect(weekend / weekday).toBeGreaterThan(0.7);
    expect(Math.min(...perDay)).toBe(perDay[6]);
  });

  it.each([
    ['US', -6],
    ['IN', 5.5],
    ['JP', 9],
  ])('follows the local clock in %s: the 8 pm peak is several times the 4 am trough', (_iso, utcOffsetHours) => {
    const localMidnightMs = MONDAY_MS + DAY_MS - utcOffsetHours * HOUR_MS;
    const night = activityFactor(localMidnightMs + 4 * HOUR_MS, utcOffsetHours);
    const evening = activityFactor(localMidnightMs + 20 * HOUR_MS, utcOffsetHours);
    expect(evening / night).toBeGreaterThan(4);
  });

  it('averages to 1 over a week, so sendsPerMinute is the weekly mean', () => {
    let total = 0;
    const steps = 7 * 24 * 4;
    for (let i = 0; i < steps; i += 1) total += activityFactor(MONDAY_MS + i * (HOUR_MS / 4), 0);
    expect(total / steps).toBeCloseTo(1, 2);
  });

  it('counts weekdays on the local clock: Monday 02:00 UTC is still Sunday in Mexico', () => {
    expect(localWeekday(MONDAY_MS + 2 * HOUR_MS, -6)).toBe(0);
    expect(localWeekday(MONDAY_MS + 2 * HOUR_MS, 1)).toBe(1);
  });
});
