/**
 * Phone numbers drawn from a country's mobile ranges. Numbers are the raw E.164 strings the wire
 * contract carries; downstream only their hashes, country, prefix and block survive.
 */
import { normalizePhonePrefix, PREFIX_NATIONAL_DIGITS } from '@tollgate/events';
import type { CountryProfile, MobileRange } from '../catalog/countries.catalog.ts';
import type { Random } from '../random/prng.ts';
import { intBelow } from '../random/sampling.ts';

/** Provider rate decks key prices on a few more digits than the collectors' prefix keeps. */
const BILLING_PREFIX_NATIONAL_DIGITS = PREFIX_NATIONAL_DIGITS + 1;
const DECIMAL_DIGITS = 10;

/** How many subscriber digits follow the range's leading digits. */
export function freeDigits(range: MobileRange): number {
  return range.length - range.leading.length;
}

/** The E.164 number of the `subscriber`-th number of a range (0-based). */
export function numberInRange(range: MobileRange, subscriber: number): string {
  return `${range.prefix}${String(subscriber).padStart(freeDigits(range), '0')}`;
}

/** A uniformly random number of the range. */
export function randomNumber(r: Random, range: MobileRange): string {
  return numberInRange(range, intBelow(r, DECIMAL_DIGITS ** freeDigits(range)));
}

/** The sub-range whose leading digits continue with `digits` (every number of a valid range is valid). */
export function narrowRange(range: MobileRange, digits: string): MobileRange {
  return { ...range, prefix: `${range.prefix}${digits}`, leading: `${range.leading}${digits}` };
}

/**
 * A sub-range that falls in exactly one of the collectors' prefixes ("+998 901"): pumping scenarios
 * target one such prefix, so their label names the scope the detector aggregates on.
 */
export function onePrefixRange(r: Random, range: MobileRange): MobileRange {
  let narrowed = range;
  while (narrowed.leading.length < PREFIX_NATIONAL_DIGITS) narrowed = narrowRange(narrowed, String(intBelow(r, DECIMAL_DIGITS)));
  return narrowed;
}

/** The range's prefix in the collectors' convention ("+998 901"), for label scopes. */
export function collectorPrefix(country: CountryProfile, range: MobileRange): string {
  const normalized = normalizePhonePrefix(range.prefix, country.iso);
  if (!normalized.ok || normalized.value === '') {
    throw new RangeError(`${range.prefix} is not a full prefix of ${country.iso}: it needs ${PREFIX_NATIONAL_DIGITS} national digits`);
  }
  return normalized.value;
}

/** The `phone_prefix` a provider's billing export shows for a number ("+9989012"). */
export function billingPrefix(range: MobileRange, phone: string): string {
  return phone.slice(0, 1 + range.callingCode.length + BILLING_PREFIX_NATIONAL_DIGITS);
}
