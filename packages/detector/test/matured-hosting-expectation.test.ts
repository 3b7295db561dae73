import { describe, expect, it } from 'vitest';
import { poissonTail } from '../src/statistics/count-tails.ts';
import {
  describeMaturedExpectation,
  maturedHostingExpectation,
  MIN_UNVERIFIED_SHARE,
} from '../src/statistics/matured-hosting-expectation.ts';

const relative = (actual: number, expected: number) => Math.abs(actual - expected) / expected;

/** A small country: 0.93 sessions an hour at this hour of the week, nine in ten verifying, 1 % of them on hosting networks. */
const SMALL_COUNTRY = { sessionsPerMinute: 0.93 / 60, conversion: 0.9, hostingShare: 0.01 };

describe('maturedHostingExpectation', () => {
  it.each([
    // Tails computed by hand (40-digit decimals): P(X >= 2) = 1 - e^-l (1 + l).
    {
      name: 'two bot sessions in the one minute past the grace of 3: 0.93 / 60 x 1 x 0.1 x 0.01',
      usual: SMALL_COUNTRY,
      matured: { minutes: 1, sessions: 2, hostingUnverified: 2 },
      expected: 1.55e-5,
      tail: 1.201237587e-10,
    },
    {
      name: 'the same two among 30 people of a campaign in that minute: 28 x 0.1 x 0.01',
      usual: SMALL_COUNTRY,
      matured: { minutes: 1, sessions: 30, hostingUnverified: 2 },
      expected: 2.8e-2,
      tail: 3.847589283e-4,
    },
    {
      name: 'a prefix of 30 sessions an hour that always verified: the floor, 0.5 x 1 x 0.05 x 0.01',
      usual: { sessionsPerMinute: 0.5, conversion: 1, hostingShare: 0.01 },
      matured: { minutes: 1, sessions: 2, hostingUnverified: 2 },
      expected: 2.5e-4,
      tail: 3.124479215e-8,
    },
  ])('$name', ({ usual, matured, expected, tail }) => {
    const e = maturedHostingExpectation(usual, matured);
    expect(relative(e.expected, expected)).toBeLessThan(1e-12);
    expect(relative(poissonTail(matured.hostingUnverified, e.expected), tail)).toBeLessThan(1e-6);
  });

  it('never assumes fewer unverified than the floor, where every session of the week verified', () => {
    const e = maturedHostingExpectation(
      { sessionsPerMinute: 0.5, conversion: 1, hostingShare: 0.01 },
      { minutes: 8, sessions: 0, hostingUnverified: 0 },
    );
    expect(e.unverifiedShare).toBe(MIN_UNVERIFIED_SHARE);
    expect(e.expected).toBeGreaterThan(0);
  });

  it('rests on the other people seen only when they are more than the baseline expects', () => {
    const quiet = maturedHostingExpectation(SMALL_COUNTRY, { minutes: 8, sessions: 2, hostingUnverified: 2 });
    expect(quiet.fromSessionsSeen).toBe(false);
    expect(quiet.sessions).toBeCloseTo(0.124, 10);
    const campaign = maturedHostingExpectation(SMALL_COUNTRY, { minutes: 8, sessions: 82, hostingUnverified: 2 });
    expect(campaign.fromSessionsSeen).toBe(true);
    expect(campaign.sessions).toBe(80);
  });

  it('says what the expectation was counted on', () => {
    const e = maturedHostingExpectation(SMALL_COUNTRY, { minutes: 1, sessions: 2, hostingUnverified: 2 });
    expect(describeMaturedExpectation(e)).toBe(
      'counted over the 1 min past the grace alone, on 0.016 sessions expected in them, 10% of them not verifying',
    );
  });
});
