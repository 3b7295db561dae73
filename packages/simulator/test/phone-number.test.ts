import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { COUNTRIES, createSimulator, type ScenarioSpec } from '../src/index.ts';
import { createRandom } from '../src/random/prng.ts';
import { onePrefixRange, randomNumber } from '../src/traffic/phone-number.ts';
import { collect, HOUR_MS, MINUTE_MS, MONDAY_MS, sendsOf } from './support/traffic-stats.ts';

/** Numbers drawn per catalogue range: enough to hit every leading digit of the free part. */
const SAMPLES_PER_RANGE = 300;

const ALL_ATTACKS: ScenarioSpec[] = [
  { kind: 'burst_pumping', startMs: MONDAY_MS, durationMs: 20 * MINUTE_MS, countries: ['UZ', 'MM', 'PG'] },
  { kind: 'slow_ramp', startMs: MONDAY_MS, durationMs: HOUR_MS, country: 'TJ' },
  { kind: 'low_and_slow', startMs: MONDAY_MS, durationMs: HOUR_MS },
  { kind: 'sequential_enumeration', startMs: MONDAY_MS, durationMs: HOUR_MS, country: 'KW' },
  { kind: 'verify_bruteforce', startMs: MONDAY_MS, durationMs: 20 * MINUTE_MS },
  { kind: 'new_market', startMs: MONDAY_MS, durationMs: HOUR_MS, country: 'NZ', sendsPerMinute: 20 },
];

const isValidIn = (phone: string, country: string): boolean => {
  const parsed = parsePhoneNumberFromString(phone);
  return parsed !== undefined && parsed.isValid() && parsed.country === country;
};

describe('phone numbers', () => {
  it.each(COUNTRIES.map((country) => [country.iso, country] as const))(
    'draws only valid %s mobile numbers from the catalogue ranges',
    (iso, country) => {
      const r = createRandom(1, iso.charCodeAt(0), iso.charCodeAt(1));
      const invalid = country.mobileRanges.flatMap((range) =>
        Array.from({ length: SAMPLES_PER_RANGE }, () => randomNumber(r, onePrefixRange(r, range))).filter(
          (phone) => !isValidIn(phone, iso),
        ),
      );
      expect(invalid).toEqual([]);
    },
  );

  it('puts a valid number of the send country on 100% of generated sends, attacks included', () => {
    const sim = createSimulator({ seed: 21, startMs: MONDAY_MS, scenarios: ALL_ATTACKS });
    const sends = sendsOf(collect(sim, MONDAY_MS, MONDAY_MS + HOUR_MS));
    expect(sends.length).toBeGreaterThan(10_000);
    const invalid = sends.filter((send) => !isValidIn(send.phone, send.country ?? ''));
    expect(invalid.map((send) => `${send.country} ${send.phone}`)).toEqual([]);
  });
});
