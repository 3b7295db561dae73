import { callingCodeOf, NON_GEOGRAPHIC_COUNTRY, isNonGeographicCallingCode, splitCallingCode } from './country-code.ts';
import type { Checked } from './rejection.ts';

/**
 * Prefix convention: "+<calling code> <first 3 national digits>", e.g. "+44 791" for
 * +447911123456 and "+1 415" for +14155552671. Three national digits are where operators'
 * ranges (UK mobile 7xx, NANP area codes, most mobile network codes) become distinct, which is
 * the granularity pumping attacks show up at; the space keeps the calling code readable where
 * codes differ in length ("+1 242" is not "+12 42").
 */
export const PREFIX_NATIONAL_DIGITS = 3;

export function formatPrefix(callingCode: string, nationalDigits: string): string {
  return `+${callingCode} ${nationalDigits.slice(0, PREFIX_NATIONAL_DIGITS)}`;
}

const PREFIX_SEPARATORS = /[\s().-]/g;
const INTERNATIONAL_DIGITS = /^\+?\d+$/;

/**
 * Brings a provider's `phone_prefix` ("+44791", "44 7911", "447911234") to the prefix convention,
 * so billing lines group with sends. The prefix must be in international form (calling code
 * first): national forms are ambiguous once the trunk 0 is gone. A prefix shorter than the
 * convention cannot be matched to any send's prefix, so it is recorded as unknown ('').
 */
export function normalizePhonePrefix(raw: string, country: string): Checked<string> {
  const compact = raw.replace(PREFIX_SEPARATORS, '');
  const parts = INTERNATIONAL_DIGITS.test(compact) ? splitCallingCode(compact.replace('+', '')) : undefined;
  const expected = callingCodeOf(country);
  const matchesCountry =
    parts !== undefined &&
    (country === NON_GEOGRAPHIC_COUNTRY ? isNonGeographicCallingCode(parts.callingCode) : parts.callingCode === expected);
  if (parts === undefined || !matchesCountry) {
    const callingCode = expected ?? '882';
    return {
      ok: false,
      problems: [
        {
          field: 'phone_prefix',
          // The value is not echoed: providers sometimes put a whole number in this column.
          reason:
            `not an international prefix of a ${country} number` +
            ` (expected +${callingCode} followed by national digits, e.g. "+${callingCode}791"; omit the field if unknown)`,
        },
      ],
    };
  }
  const prefix = parts.national.length < PREFIX_NATIONAL_DIGITS ? '' : formatPrefix(parts.callingCode, parts.national);
  return { ok: true, value: prefix };
}
