import { Metadata } from 'libphonenumber-js/max';
import { isNonGeographicCallingCode, splitCallingCode } from './country-code.ts';

/** What libphonenumber tells of a possible E.164 number, as phone-number.ts reads it. */
export interface PlanFacts {
  callingCode: string;
  /** The number's own country, undefined when no country of its calling code claims it. */
  country: string | undefined;
  /** The country standing in when `country` is undefined: the first that the number's length fits. */
  planCountry: string | undefined;
  /** libphonenumber's type in lower case, or "unknown". */
  numberType: string;
}

/** The parts of libphonenumber's metadata accessors this module reads (its typings declare none of them). */
interface MetadataType {
  pattern(): string | undefined;
  possibleLengths(): number[] | undefined;
}
interface NumberingPlan {
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
  leadingDigits(): string | undefined;
  type(type: string): MetadataType | undefined;
}
interface PlanMetadata {
  selectNumberingPlan(countryOrCallingCode: string): void;
  numberingPlan: NumberingPlan;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
}

/** One number type of a plan, its pattern compiled once. */
interface CompiledType {
  pattern: RegExp;
  lengths: readonly number[] | undefined;
}

/** A country's numbering plan with every pattern compiled once. */
interface CompiledPlan {
  country: string;
  nationalNumber: RegExp;
  lengths: readonly number[];
  leadingDigits: RegExp | undefined;
  nationalPrefix: RegExp | undefined;
  fixedLine: CompiledType | undefined;
  /** Undefined also when the plan lists mobile numbers with an empty pattern: its fixed lines may be mobile. */
  mobile: CompiledType | undefined;
  /** The types after fixed line, in libphonenumber's order of asking. */
  others: { name: string; type: CompiledType }[];
}

/** libphonenumber's order of the types it tries once a number is not fixed-line (getNumberType.js). */
const NON_FIXED_LINE_TYPES = ['MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];

/** libphonenumber refuses national numbers outside these lengths before reading any plan (constants.js). */
const MIN_NATIONAL_DIGITS = 2;
const MAX_NATIONAL_DIGITS = 17;

const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);

function compiledType(plan: NumberingPlan, name: string): CompiledType | undefined {
  const type = plan.type(name);
  const pattern = type?.pattern();
  return type === undefined || !pattern ? undefined : { pattern: whole(pattern), lengths: type.possibleLengths() };
}

function compilePlan(metadata: PlanMetadata, country: string): CompiledPlan | undefined {
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan;
  const lengths = plan.possibleLengths();
  if (lengths === undefined) return undefined;
  const leadingDigits = plan.leadingDigits();
  const nationalPrefix = plan.nationalPrefixForParsing();
  return {
    country,
    nationalNumber: whole(plan.nationalNumberPattern()),
    lengths,
    leadingDigits: leadingDigits ? new RegExp(`^(?:${leadingDigits})`) : undefined,
    nationalPrefix: nationalPrefix ? new RegExp(`^(?:${nationalPrefix})`) : undefined,
    fixedLine: compiledType(plan, 'FIXED_LINE'),
    mobile: compiledType(plan, 'MOBILE'),
    others: NON_FIXED_LINE_TYPES.flatMap((name) => {
      const type = compiledType(plan, name);
      return type === undefined ? [] : [{ name, type }];
    }),
  };
}

function isType(national: string, type: CompiledType | undefined): boolean {
  if (type === undefined) return false;
  if (type.lengths !== undefined && !type.lengths.includes(national.length)) return false;
  return type.pattern.test(national);
}

/** libphonenumber's getNumberType under one plan: the type's name, or undefined for an invalid number. */
function typeOf(national: string, plan: CompiledPlan): string | undefined {
  if (!plan.nationalNumber.test(national)) return undefined;
  if (isType(national, plan.fixedLine)) {
    if (plan.mobile === undefined || isType(national, plan.mobile)) return 'FIXED_LINE_OR_MOBILE';
    return 'FIXED_LINE';
  }
  for (const { name, type } of plan.others) if (isType(national, type)) return name;
  return undefined;
}

/**
 * The facts of possible E.164 numbers that libphonenumber would give, from its own metadata with
 * each pattern compiled once. `parsePhoneNumber`, `isPossible`, `getType` and
 * `getPossibleCountries` each build their regular expressions anew from the metadata's text on
 * every call, some 40 us a number: with every distinct number of a busy hour starting a block
 * never seen (each costs a parse, see phone-number.ts), that is several us of every decision.
 *
 * The same steps in the same order, for the numbers where they are plain: a geographic calling
 * code, a national number the national prefix cannot be read off (libphonenumber would strip it
 * from an international number when what remains still fits the plan), and a possible length.
 * Any other number answers undefined and the caller asks libphonenumber: the numbers it refuses,
 * the non-geographic codes and the prefixed ones keep its own answers and reasons. The answers
 * are libphonenumber's for every number of every country (phone-plan-facts.test.ts).
 */
export function createPlanFacts(): (phone: string) => PlanFacts | undefined {
  const metadata = new Metadata() as unknown as PlanMetadata;
  /** Plans per calling code, its main country first; null when one of them cannot be compiled. */
  const byCallingCode = new Map<string, CompiledPlan[] | null>();

  function plansOf(callingCode: string): CompiledPlan[] | null {
    let plans = byCallingCode.get(callingCode);
    if (plans === undefined) {
      const countries = metadata.getCountryCodesForCallingCode(callingCode) ?? [];
      const compiled = countries.map((country) => compilePlan(metadata, country));
      plans = compiled.length > 0 && compiled.every((plan) => plan !== undefined) ? (compiled as CompiledPlan[]) : null;
      byCallingCode.set(callingCode, plans);
    }
    return plans;
  }

  /** libphonenumber's getCountryByCallingCode: the first country whose leading digits or types take the number. */
  function countryOf(national: string, plans: CompiledPlan[]): CompiledPlan | undefined {
    if (plans.length === 1) return plans[0];
    for (const plan of plans) {
      if (plan.leadingDigits !== undefined ? plan.leadingDigits.test(national) : typeOf(national, plan) !== undefined) return plan;
    }
    return undefined;
  }

  return (phone) => {
    const parts = splitCallingCode(phone.slice(1));
    if (parts === undefined || isNonGeographicCallingCode(parts.callingCode)) return undefined;
    const { callingCode, national } = parts;
    if (national.length < MIN_NATIONAL_DIGITS || national.length > MAX_NATIONAL_DIGITS) return undefined;
    const plans = plansOf(callingCode);
    if (plans === null) return undefined;
    // Parsing reads the national prefix under the calling code's main plan.
    if (plans[0]!.nationalPrefix?.test(national)) return undefined;
    const own = countryOf(national, plans);
    const plan = own ?? plans[0]!;
    if (!plan.lengths.includes(national.length)) return undefined;
    return {
      callingCode,
      country: own?.country,
      planCountry: own?.country ?? plans.find((p) => p.lengths.includes(national.length))?.country,
      numberType: typeOf(national, plan)?.toLowerCase() ?? 'unknown',
    };
  };
}
