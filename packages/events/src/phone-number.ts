import { parsePhoneNumber, ParseError } from 'libphonenumber-js/max';
import { createCappedMap } from '@tollgate/vocabulary';
import { callingCodeOf, NON_GEOGRAPHIC_COUNTRY } from './country-code.ts';
import { createPlanFacts, type PlanFacts } from './phone-plan-facts.ts';
import { formatPrefix } from './phone-prefix.ts';
import type { Checked, FieldProblem } from './rejection.ts';

export interface NormalizedPhone {
  e164: string;
  /** ISO 3166-1 alpha-2 of the number's numbering plan, "XX" for non-geographic codes. */
  country: string;
  /** "+<calling code> <3 national digits>", see phone-prefix.ts. */
  prefix: string;
  /** libphonenumber's type in lower case ("mobile", "fixed_line_or_mobile", "voip"...) or "unknown". */
  numberType: string;
  /** The E.164 number without its last BLOCK_SUFFIX_DIGITS digits: the range it was allocated in. */
  block: string;
}

export interface PhoneNormalizer {
  /**
   * Checks and describes an E.164 number. `claimedCountry` (upper case, already known to be a
   * country code) is what the event said: it must be the number's country or share its calling
   * code (GB for a Guernsey +44 7781 number); the row gets the number's own country either way.
   */
  normalize(phone: string, claimedCountry?: string): Checked<NormalizedPhone>;
}

/** E.164: "+", a calling code that does not start with 0, at most 15 digits in all. */
export const E164_PATTERN = '^\\+[1-9][0-9]{4,14}$';
const E164 = new RegExp(E164_PATTERN);

export const E164_REASON = 'not a valid E.164 number (expected +<country code><number>, e.g. +447911123456)';

/** Numbers are allocated to operators in blocks of 1,000 or more (see the cache note below). */
export const BLOCK_SUFFIX_DIGITS = 3;

/** Blocks seen in a day of heavy traffic fit: ~200k entries of ~100 bytes is ~20 MB. */
export const DEFAULT_MAX_CACHED_BLOCKS = 200_000;

/**
 * Below this many digits (calling code included) a 1,000-number block is a large part of a small
 * numbering plan (Niue, Tokelau...) where ranges are finer, so such numbers skip the cache.
 */
const MIN_DIGITS_FOR_BLOCK_CACHE = 10;

type BlockFacts =
  | {
      possible: true;
      callingCode: string;
      /**
       * The same for every number of the block (its calling code and first national digits are
       * in the block), kept so each decision reads one string instead of making a new one: the
       * breaker index, the statistics and the decision counts each hash it again when it is new.
       */
      prefix: string;
      country: string | undefined;
      planCountry: string;
      numberType: string;
    }
  | { possible: false; reason: string };

/**
 * Why a cache per block: parsePhoneNumber with the full metadata costs 11-37 µs a call, more than
 * the whole budget of an event at 100,000 events/s on two cores. Numbering plans allocate numbers
 * to operators in blocks of at least 1,000 (ITU-T E.164 national plans; Ofcom, NANPA and most
 * regulators allocate 1,000- or 10,000-number blocks), and libphonenumber's ranges follow those
 * allocations, so validity, country and type are the same for every number of a block of the same
 * length. The first number seen in a block is parsed and the answer serves the whole block; a
 * pumping attack walks through few blocks, so the cache stays warm exactly when load is highest.
 * Most first numbers of a block take libphonenumber's steps on patterns compiled once
 * (phone-plan-facts.ts, under 1 us); the rest are parsed by libphonenumber itself.
 */
export function createPhoneNormalizer({ maxCachedBlocks = DEFAULT_MAX_CACHED_BLOCKS } = {}): PhoneNormalizer {
  const blocks = createCappedMap<BlockFacts>(maxCachedBlocks);
  const planFacts = createPlanFacts();

  /** The plain numbers from the precompiled plans, the rest from libphonenumber itself. */
  function parseFacts(phone: string): BlockFacts {
    const plain = planFacts(phone);
    return plain === undefined ? parsedFacts(phone) : possible(phone, plain);
  }

  function factsFor(phone: string, block: string): BlockFacts {
    if (phone.length - 1 < MIN_DIGITS_FOR_BLOCK_CACHE) return parseFacts(phone);
    // The block string also fixes the length (it is the number minus 3 digits), so numbers of
    // different lengths in mixed-length plans (DE, AT, IT) never share an entry.
    let facts = blocks.get(block);
    if (facts === undefined) {
      facts = parseFacts(phone);
      blocks.set(block, facts);
    }
    return facts;
  }

  return {
    normalize(phone, claimedCountry) {
      if (!E164.test(phone)) return problem('phone', E164_REASON);
      const block = phone.slice(0, -BLOCK_SUFFIX_DIGITS);
      const facts = factsFor(phone, block);
      if (!facts.possible) return problem('phone', facts.reason);

      const claimedCallingCode = claimedCountry === undefined ? undefined : callingCodeOf(claimedCountry);
      const sharesPlan = claimedCallingCode === facts.callingCode;
      // A number outside libphonenumber's known ranges has no country of its own; the event's
      // country decides among the countries of a shared calling code (+1, +44, +7).
      const country = facts.country ?? (sharesPlan ? (claimedCountry as string) : facts.planCountry);
      if (claimedCountry !== undefined && claimedCountry !== country && !sharesPlan) {
        return problem(
          'country',
          `"${claimedCountry}" does not match the phone number, which is a ${country} number (+${facts.callingCode});` +
            " send the number's country or omit the field to have it derived",
        );
      }
      return {
        ok: true,
        value: {
          e164: phone,
          country,
          prefix: facts.prefix,
          numberType: facts.numberType,
          block,
        },
      };
    },
  };
}

function possible(phone: string, { callingCode, country, planCountry, numberType }: PlanFacts): BlockFacts {
  return {
    possible: true,
    callingCode,
    prefix: prefixOf(phone, callingCode),
    country,
    planCountry: planCountry ?? NON_GEOGRAPHIC_COUNTRY,
    numberType,
  };
}

function prefixOf(phone: string, callingCode: string): string {
  return formatPrefix(callingCode, phone.slice(1 + callingCode.length));
}

function parsedFacts(phone: string): BlockFacts {
  try {
    const parsed = parsePhoneNumber(phone);
    const callingCode = parsed.countryCallingCode;
    if (!parsed.isPossible()) {
      return {
        possible: false,
        reason:
          `wrong length for a +${callingCode} number:` + ' check for missing or extra digits (E.164 has no trunk 0 after the country code)',
      };
    }
    // Possible but not valid means a range the metadata does not list yet: kept (typed
    // "unknown") rather than rejected, since freshly opened or rogue ranges are where pumping goes.
    // Leading digits often still name the country (+1 242 is BS) even then. With the full
    // metadata a number is valid exactly when it has a type (libphonenumber's isValid() is
    // getType() !== undefined), so one call answers both: each walks the plan's patterns again.
    const type = parsed.getType();
    const country = parsed.country ?? (parsed.isNonGeographic() ? NON_GEOGRAPHIC_COUNTRY : undefined);
    return {
      possible: true,
      callingCode,
      prefix: prefixOf(phone, callingCode),
      country,
      // The calling code's main country (first in the metadata) stands in when no other is known;
      // read only then, as finding the possible countries matches the number against each of them.
      planCountry: country ?? parsed.getPossibleCountries()[0] ?? NON_GEOGRAPHIC_COUNTRY,
      numberType: type?.toLowerCase() ?? 'unknown',
    };
  } catch (error) {
    if (error instanceof ParseError && error.message === 'INVALID_COUNTRY') {
      return { possible: false, reason: `starts with no assigned country calling code; ${E164_REASON}` };
    }
    if (error instanceof ParseError) {
      return { possible: false, reason: `wrong length (${error.message.toLowerCase().replace('_', ' ')}); ${E164_REASON}` };
    }
    throw error;
  }
}

function problem(field: string, reason: string): { ok: false; problems: FieldProblem[] } {
  return { ok: false, problems: [{ field, reason }] };
}
