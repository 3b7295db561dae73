/**
 * Phone numbers drawn from a country's mobile ranges. Numbers are the raw E.164 strings the wire
 * contract carries; downstream only their hashes, country and prefix survive.
 */
import type { CountryProfile, MobileRange } from '../catalog/countries.catalog.ts';
import type { Random } from '../random/prng.ts';
import { intBelow } from '../random/sampling.ts';

/** The range's prefix as the scenarios and labels spell it: "+", calling code, leading digits. */
export function rangePrefix(country: CountryProfile, range: MobileRange): string {
  return `+${country.callingCode}${range.leading}`;
}

/** How many subscriber digits follow the range's leading digits. */
export function freeDigits(range: MobileRange): number {
  return range.length - range.leading.length;
}

/** The E.164 number of the `subscriber`-th number of a range (0-based). */
export function numberInRange(country: CountryProfile, range: MobileRange, subscriber: number): string {
  return `+${country.callingCode}${range.leading}${String(subscriber).padStart(freeDigits(range), '0')}`;
}

/** A uniformly random number of the range. */
export function randomNumber(r: Random, country: CountryProfile, range: MobileRange): string {
  return numberInRange(country, range, intBelow(r, 10 ** freeDigits(range)));
}

/** The range a scenario names by its prefix, or a RangeError listing the country's prefixes. */
export function rangeByPrefix(country: CountryProfile, prefix: string): MobileRange {
  const range = country.mobileRanges.find((candidate) => rangePrefix(country, candidate) === prefix);
  if (!range) {
    const known = country.mobileRanges.map((candidate) => rangePrefix(country, candidate)).join(', ');
    throw new RangeError(`prefix "${prefix}" is not a mobile range of ${country.iso}: use one of ${known}`);
  }
  return range;
}
