import { getCountries, getExampleNumber, parsePhoneNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { createPhoneNormalizer, normalizePhonePrefix } from '../src/index.ts';

describe('createPhoneNormalizer().normalize', () => {
  const phones = createPhoneNormalizer();

  it.each([
    ['a UK mobile', '+447400123456', { country: 'GB', prefix: '+44 740', numberType: 'mobile', block: '+447400123' }],
    ['a Guernsey mobile on +44', '+447911123456', { country: 'GG', prefix: '+44 791', numberType: 'mobile', block: '+447911123' }],
    [
      'a NANP number in the US',
      '+14155552671',
      { country: 'US', prefix: '+1 415', numberType: 'fixed_line_or_mobile', block: '+14155552' },
    ],
    ['a NANP number in Canada', '+16135550123', { country: 'CA', prefix: '+1 613' }],
    ['a +7 number in Kazakhstan', '+77012345678', { country: 'KZ', prefix: '+7 701', numberType: 'mobile' }],
    ['an Italian fixed line keeping its leading 0', '+390612345678', { country: 'IT', prefix: '+39 061', numberType: 'fixed_line' }],
    ['a Nigerian mobile', '+2348031234567', { country: 'NG', prefix: '+234 803', numberType: 'mobile' }],
    ['a satellite number as non-geographic XX', '+881612345678', { country: 'XX', prefix: '+881 612', numberType: 'mobile' }],
    ['international freephone as XX', '+80012345678', { country: 'XX', prefix: '+800 123', numberType: 'toll_free' }],
    ['a possible number in an unlisted range, typed unknown', '+447700900123', { country: 'GB', numberType: 'unknown' }],
    ['a short plan that skips the block cache', '+6834002', { country: 'NU', prefix: '+683 400', block: '+6834' }],
  ])('describes %s', (_name, phone, expected) => {
    const result = phones.normalize(phone);
    expect(result).toEqual({ ok: true, value: expect.objectContaining({ e164: phone, ...expected }) });
  });

  it.each([
    ['a national number', '07400123456', 'phone', /not a valid E\.164 number \(expected \+<country code><number>, e\.g\. \+447911123456\)/],
    ['spaces', '+44 7400 123456', 'phone', /not a valid E\.164 number/],
    ['more than 15 digits', '+4474001234567890', 'phone', /not a valid E\.164 number/],
    ['an unassigned calling code', '+99912345678', 'phone', /no assigned country calling code/],
    ['a wrong length for its plan', '+4474001234567', 'phone', /wrong length for a \+44 number/],
  ])('rejects %s', (_name, phone, field, reason) => {
    expect(phones.normalize(phone)).toEqual({ ok: false, problems: [{ field, reason: expect.stringMatching(reason) }] });
  });

  it.each([
    ["the number's own country", '+447400123456', 'GB', 'GB'],
    ["a country sharing the calling code, keeping the number's", '+447911123456', 'GB', 'GG'],
    ["a NANP neighbour, keeping the number's", '+14155552671', 'CA', 'US'],
    ["the event's country for an unlisted range of a shared plan", '+447700900123', 'JE', 'JE'],
    ['XX for a non-geographic number', '+881612345678', 'XX', 'XX'],
  ])('accepts a claimed country that is %s', (_name, phone, claimed, stored) => {
    const result = phones.normalize(phone, claimed);
    expect(result.ok && result.value.country).toBe(stored);
  });

  it.each([
    ['FR for a British number', '+447400123456', 'FR', /"FR" does not match the phone number, which is a GB number \(\+44\)/],
    ['US for a French number', '+33612345678', 'US', /which is a FR number \(\+33\)/],
    ['XX for a geographic number', '+447400123456', 'XX', /"XX" does not match/],
  ])('rejects a claimed country that is %s', (_name, phone, claimed, reason) => {
    expect(phones.normalize(phone, claimed)).toEqual({
      ok: false,
      problems: [{ field: 'country', reason: expect.stringMatching(reason) }],
    });
  });

  it("types a number unknown exactly when libphonenumber's full metadata calls it invalid, in every country", () => {
    // The normalizer asks for the type alone and reads "no type" as "not valid": this holds while every
    // plan of the metadata carries type patterns. Example numbers with another digit reach valid and unlisted ranges.
    const fresh = createPhoneNormalizer();
    const typed = { known: 0, unknown: 0 };
    const disagreements: string[] = [];
    for (const country of getCountries()) {
      const example = getExampleNumber(country, examples)?.number;
      if (example === undefined) continue;
      // Each variant changes a digit of the block, so each is parsed on its own (not answered from the cache).
      for (let digit = 0; digit < 10; digit++) {
        const at = example.length - 5;
        const phone = `${example.slice(0, at)}${digit}${example.slice(at + 1)}`;
        const described = fresh.normalize(phone);
        if (!described.ok) continue;
        const unknown = described.value.numberType === 'unknown';
        typed[unknown ? 'unknown' : 'known']++;
        if (unknown === parsePhoneNumber(phone).isValid()) disagreements.push(phone);
      }
    }
    expect(typed.known).toBeGreaterThan(500);
    expect(typed.unknown).toBeGreaterThan(100);
    expect(disagreements).toEqual([]);
  });

  it('answers every number of a block from one cached parse, with its own number and prefix', () => {
    const cached = createPhoneNormalizer({ maxCachedBlocks: 4 });
    const first = cached.normalize('+447400123000');
    const second = cached.normalize('+447400123999');
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(second.value).toEqual({ ...first.value, e164: '+447400123999' });
  });

  it('keeps working when the block cache turns over', () => {
    const tiny = createPhoneNormalizer({ maxCachedBlocks: 2 });
    const numbers = ['+447400123456', '+33612345678', '+14155552671', '+447400123456', '+2348031234567'];
    const countries = numbers.map((phone) => {
      const result = tiny.normalize(phone);
      return result.ok ? result.value.country : result.problems;
    });
    expect(countries).toEqual(['GB', 'FR', 'US', 'GB', 'NG']);
  });
});

describe('normalizePhonePrefix', () => {
  it.each([
    ['an international prefix with +', '+44740', 'GB', '+44 740'],
    ['international digits without +', '447401', 'GB', '+44 740'],
    ['separators', '+44 (740) 1-2', 'GB', '+44 740'],
    ['a NANP area code', '1415', 'US', '+1 415'],
    ['a non-geographic prefix under XX', '+882345', 'XX', '+882 345'],
    ['a prefix too short to match any send, as unknown', '+447', 'GB', ''],
  ])('normalizes %s', (_name, raw, country, prefix) => {
    expect(normalizePhonePrefix(raw, country)).toEqual({ ok: true, value: prefix });
  });

  it.each([
    ['a prefix of another country', '+33612', 'GB'],
    ['a national prefix', '07400', 'GB'],
    ['letters', 'UK-mobile', 'GB'],
    ['a geographic prefix under XX', '+44740', 'XX'],
  ])('rejects %s', (_name, raw, country) => {
    expect(normalizePhonePrefix(raw, country)).toEqual({
      ok: false,
      problems: [
        {
          field: 'phone_prefix',
          reason: expect.stringMatching(/^not an international prefix of a .. number \(expected \+\d+ followed by national digits/),
        },
      ],
    });
  });
});
