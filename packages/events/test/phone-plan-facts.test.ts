import { getCountries, getCountryCallingCode, Metadata, parsePhoneNumber, ParseError } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { hashString } from '@tollgate/vocabulary';
import { createPlanFacts, type PlanFacts } from '../src/phone-plan-facts.ts';

/** What libphonenumber itself says of a number, in the fast path's terms (undefined: refused or not possible). */
function libphonenumberFacts(phone: string): PlanFacts | undefined {
  let parsed;
  try {
    parsed = parsePhoneNumber(phone);
  } catch (error) {
    if (error instanceof ParseError) return undefined;
    throw error;
  }
  if (!parsed.isPossible()) return undefined;
  return {
    callingCode: parsed.countryCallingCode,
    country: parsed.country,
    planCountry: parsed.country ?? parsed.getPossibleCountries()[0],
    numberType: parsed.getType()?.toLowerCase() ?? 'unknown',
  };
}

/** Digits that look random and are the same on every run: a hash of the number so far and the position. */
function digitsAfter(start: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String((hashString(start + out, i) >>> 0) % 10);
  return out;
}

/** The national lengths a calling code's plans allow, with one fewer and one more around each. */
function lengthsAround(callingCode: string): number[] {
  const metadata = new Metadata() as unknown as {
    selectNumberingPlan(c: string): void;
    numberingPlan: { possibleLengths(): number[] | undefined };
  };
  const lengths = new Set<number>();
  for (const country of getCountries()) {
    if (getCountryCallingCode(country) !== callingCode) continue;
    metadata.selectNumberingPlan(country);
    for (const length of metadata.numberingPlan.possibleLengths() ?? []) for (const l of [length - 1, length, length + 1]) lengths.add(l);
  }
  // E.164 holds at most 15 digits, calling code included.
  return [...lengths].filter((l) => l >= 1 && l + callingCode.length <= 15);
}

/**
 * Numbers of every country: for each calling code, every two first national digits at every
 * length around its plans' (one random tail each), and each country's example mobile number with
 * its last digits replaced, shortened and lengthened: valid, invalid, possible and impossible
 * numbers, numbers that start with a national prefix, numbers shared between the countries of a
 * calling code.
 */
function numbersOfEveryCountry(): string[] {
  const phones = new Set<string>();
  const callingCodes = new Set(getCountries().map((country) => getCountryCallingCode(country)));
  for (const callingCode of callingCodes) {
    for (const length of lengthsAround(callingCode)) {
      for (let first = 0; first < 100; first++) {
        const start = `${callingCode}${String(first).padStart(2, '0')}`;
        const national = (start.slice(callingCode.length) + digitsAfter(start, Math.max(length - 2, 0))).slice(0, length);
        phones.add(`+${callingCode}${national}`);
      }
    }
  }
  for (const [country, national] of Object.entries(examples as Record<string, string>)) {
    const callingCode = getCountryCallingCode(country as Parameters<typeof getCountryCallingCode>[0]);
    for (let i = 0; i < 40; i++) {
      const kept = national.slice(0, Math.max(1, national.length - 1 - (i % 5)));
      const length = national.length + ((i % 3) - 1);
      const tail = digitsAfter(`${callingCode}${kept}${i}`, Math.max(length - kept.length, 0));
      phones.add(`+${callingCode}${(kept + tail).slice(0, Math.max(length, 1))}`);
    }
  }
  return [...phones].filter((phone) => /^\+[1-9][0-9]{4,14}$/.test(phone));
}

describe('createPlanFacts', () => {
  const planFacts = createPlanFacts();
  const phones = numbersOfEveryCountry();

  it("gives libphonenumber's facts for every number it answers, across every country", () => {
    const differing: { phone: string; fast: PlanFacts; libphonenumber: PlanFacts | undefined }[] = [];
    let answered = 0;
    for (const phone of phones) {
      const fast = planFacts(phone);
      if (fast === undefined) continue;
      answered++;
      const expected = libphonenumberFacts(phone);
      if (expected === undefined || JSON.stringify(fast) !== JSON.stringify(expected)) {
        differing.push({ phone, fast, libphonenumber: expected });
      }
    }
    expect(differing.slice(0, 10)).toEqual([]);
    // Enough numbers of each kind go the fast way for the comparison to mean something.
    expect(phones.length).toBeGreaterThan(50_000);
    expect(answered).toBeGreaterThan(phones.length / 4);
  });

  it('answers the example mobile number of nearly every country', () => {
    const entries = Object.entries(examples as Record<string, string>);
    const answered = entries.filter(([country, national]) => {
      const phone = `+${getCountryCallingCode(country as Parameters<typeof getCountryCallingCode>[0])}${national}`;
      const fast = planFacts(phone);
      return fast !== undefined && fast.numberType !== 'unknown' && fast.country === country;
    });
    expect(answered.length).toBeGreaterThan(entries.length * 0.9);
  });

  it('leaves to libphonenumber what it refuses, non-geographic codes and numbers behind a national prefix', () => {
    expect(planFacts('+99912345678')).toBeUndefined(); // no such calling code
    expect(planFacts('+4474001234567')).toBeUndefined(); // too long for +44
    expect(planFacts('+881612345678')).toBeUndefined(); // satellite, non-geographic
    expect(planFacts('+4407400123456')).toBeUndefined(); // the UK's trunk 0 after the calling code
    expect(planFacts('+447400123456')).toEqual({ callingCode: '44', country: 'GB', planCountry: 'GB', numberType: 'mobile' });
    expect(planFacts('+447911123456')).toEqual({ callingCode: '44', country: 'GG', planCountry: 'GG', numberType: 'mobile' });
  });
});
