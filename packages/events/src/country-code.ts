import { getCountries, getCountryCallingCode, type CountryCode } from 'libphonenumber-js/max';

/**
 * The country recorded for numbers on ITU's non-geographic calling codes (+800 freephone, +870
 * Inmarsat, +881 satellite, +882/+883 international networks, +979 premium...). They have no ISO
 * country, yet they are a classic SMS-pumping destination, so they get a code of their own:
 * "XX" is in ISO 3166's user-assigned range and never names a real country.
 */
export const NON_GEOGRAPHIC_COUNTRY = 'XX';

/** The non-geographic calling codes libphonenumber's metadata knows (its `nonGeographic` section). */
const NON_GEOGRAPHIC_CALLING_CODES = new Set(['800', '808', '870', '878', '881', '882', '883', '888', '979']);

/** Every country libphonenumber has a numbering plan for: the countries a phone number can be in. */
const KNOWN_COUNTRIES = new Set<string>([...getCountries(), NON_GEOGRAPHIC_COUNTRY]);

const CALLING_CODES = new Set<string>([
  ...getCountries().map((country) => getCountryCallingCode(country)),
  ...NON_GEOGRAPHIC_CALLING_CODES,
]);

/** E.164 calling codes are one to three digits long. */
const MAX_CALLING_CODE_DIGITS = 3;

export function isKnownCountry(country: string): boolean {
  return KNOWN_COUNTRIES.has(country);
}

/** The calling code of a known country ("GB" -> "44"); undefined for "XX" and unknown codes. */
export function callingCodeOf(country: string): string | undefined {
  return country !== NON_GEOGRAPHIC_COUNTRY && KNOWN_COUNTRIES.has(country) ? getCountryCallingCode(country as CountryCode) : undefined;
}

export function isNonGeographicCallingCode(callingCode: string): boolean {
  return NON_GEOGRAPHIC_CALLING_CODES.has(callingCode);
}

/**
 * Splits international digits ("447911...") into calling code and national digits. Calling codes
 * form a prefix code (no code is the start of another), so the first match is the only one.
 */
export function splitCallingCode(digits: string): { callingCode: string; national: string } | undefined {
  for (let length = 1; length <= MAX_CALLING_CODE_DIGITS; length++) {
    const candidate = digits.slice(0, length);
    if (CALLING_CODES.has(candidate)) return { callingCode: candidate, national: digits.slice(length) };
  }
  return undefined;
}
