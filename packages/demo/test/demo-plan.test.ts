/** The demo's plan: its attacks, and how much history `npm start` backfills. */
import { describe, expect, it } from 'vitest';
import { demoBackfillMs, demoFeedScenarios } from '../src/demo-plan.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-23T12:00:30Z');

describe('demo plan', () => {
  it("plans IAM's verify brute force into the demo: one in the backfill an hour back, one live five minutes in", () => {
    const bruteforce = demoFeedScenarios(NOW - 48 * HOUR, NOW, 48 + 24)
      .filter((s) => s.kind === 'verify_bruteforce')
      .map((s) => s.startMs - NOW);
    expect(bruteforce).toEqual(expect.arrayContaining([-HOUR, 5 * 60_000]));
  });

  it.each([
    [{}, 48 * HOUR],
    [{ TOLLGATE_DEMO_BACKFILL_HOURS: '0' }, 0],
    [{ TOLLGATE_DEMO_BACKFILL_HOURS: '48' }, 48 * HOUR],
  ])('sizes the backfill from the environment (%o)', (env, ms) => {
    expect(demoBackfillMs(env)).toBe(ms);
  });

  it.each(['1.5', '-2', 'two days', '100000'])('refuses TOLLGATE_DEMO_BACKFILL_HOURS=%s', (value) => {
    expect(() => demoBackfillMs({ TOLLGATE_DEMO_BACKFILL_HOURS: value })).toThrow(
      /TOLLGATE_DEMO_BACKFILL_HOURS must be a whole number of hours/,
    );
  });
});
