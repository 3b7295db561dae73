import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGNAL_WEIGHTS, SIGNAL_NAMES, scoreRisk, signalWeights, type RiskFacts, type SignalName } from '../src/index.ts';
import { cleanFacts } from './fixtures/risk-facts.ts';

const count = fc.integer({ min: 0, max: 500 });
const limit = fc.integer({ min: 1, max: 200 });
const stat = fc.option(
  fc.record({
    recentSessions: fc.integer({ min: 0, max: 2_000 }),
    recentVerified: fc.integer({ min: 0, max: 2_000 }),
    baselineSessions: fc.integer({ min: 0, max: 20_000 }),
    baselineVerified: fc.integer({ min: 0, max: 20_000 }),
  }),
  { nil: undefined },
);

/** Any facts a request can have, counts and limits included. */
const factsArb: fc.Arbitrary<RiskFacts> = fc
  .record({
    velocity: fc.record({
      phone: count,
      phoneMax: limit,
      ip: count,
      ipMax: limit,
      subnet: count,
      subnetMax: limit,
      session: count,
      sessionMax: limit,
      account: count,
      accountMax: limit,
    }),
    hosting: fc.boolean(),
    asnStat: stat,
    prefixStat: fc.option(fc.record({ stat: stat.filter((s) => s !== undefined), priceUsd: fc.double({ min: 0, max: 3, noNaN: true }) }), {
      nil: undefined,
    }),
    blockPhones: fc.integer({ min: 0, max: 50 }),
    deviceFieldsMissing: fc.integer({ min: 0, max: 4 }),
    userAgent: fc.option(fc.constantFrom('curl/8.5.0', 'Mozilla/5.0 (Windows NT 10.0) Chrome/125', 'okhttp/4.12.0', ''), {
      nil: undefined,
    }),
    devicePhones: fc.integer({ min: 0, max: 8 }),
  })
  .map(({ prefixStat, ...rest }) =>
    cleanFacts({ ...rest, prefixStat: prefixStat === undefined ? undefined : { ...prefixStat.stat!, priceUsd: prefixStat.priceUsd } }),
  );

const weightsArb = fc
  .record(
    Object.fromEntries(SIGNAL_NAMES.map((name) => [name, fc.integer({ min: 0, max: 100 })])) as Record<SignalName, fc.Arbitrary<number>>,
  )
  .map(signalWeights);

const VELOCITIES = ['phone', 'ip', 'subnet', 'session', 'account'] as const;

describe('the risk score, for any facts and weights', () => {
  it('stays within 0-100, an integer, and lists only signals with a positive contribution', () => {
    fc.assert(
      fc.property(factsArb, weightsArb, (facts, weights) => {
        const { score, signals } = scoreRisk(facts, weights);
        expect(Number.isInteger(score)).toBe(true);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(100);
        for (const signal of signals) {
          expect(signal.weight).toBeGreaterThan(0);
          expect(signal.value).toBeGreaterThanOrEqual(0);
          expect(signal.value).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it.each(VELOCITIES)('never falls when the %s velocity rises', (velocity) => {
    fc.assert(
      fc.property(factsArb, weightsArb, fc.integer({ min: 1, max: 300 }), (facts, weights, more) => {
        const higher: RiskFacts = { ...facts, velocity: { ...facts.velocity, [velocity]: facts.velocity[velocity] + more } };
        expect(scoreRisk(higher, weights).score).toBeGreaterThanOrEqual(scoreRisk(facts, weights).score);
      }),
    );
  });

  it('rises when a velocity below its limit rises and nothing else weighs in', () => {
    const weights = signalWeights(DEFAULT_SIGNAL_WEIGHTS);
    fc.assert(
      fc.property(fc.constantFrom(...VELOCITIES), fc.integer({ min: 0, max: 3 }), (velocity, sends) => {
        const base = cleanFacts({ velocity: { [velocity]: sends, [`${velocity}Max`]: 4 } });
        const next = cleanFacts({ velocity: { [velocity]: sends + 1, [`${velocity}Max`]: 4 } });
        expect(scoreRisk(next, weights).score).toBeGreaterThan(scoreRisk(base, weights).score);
      }),
    );
  });
});
