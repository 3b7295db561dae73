/**
 * Checks on scenario specs, so that a typo in a benchmark or CLI flag fails at construction with
 * the field and the fix, instead of silently simulating something else.
 */
import { PREFIX_NATIONAL_DIGITS } from '@tollgate/events';
import { COUNTRIES, countryProfile, type CountryProfile, type MobileRange } from '../catalog/countries.catalog.ts';
import { PROVIDERS, type ProviderName } from '../catalog/providers.catalog.ts';
import type { Random } from '../random/prng.ts';
import { pick } from '../random/sampling.ts';
import { narrowRange, onePrefixRange } from '../traffic/phone-number.ts';
import type { ScenarioKind } from './scenario.types.ts';

export interface Window {
  startMs: number;
  endMs: number;
}

export function scenarioWindow(spec: { kind: ScenarioKind; startMs: number; durationMs: number }): Window {
  if (!Number.isFinite(spec.startMs)) throw new RangeError(`${spec.kind}.startMs must be epoch milliseconds`);
  if (!Number.isFinite(spec.durationMs) || spec.durationMs <= 0) {
    throw new RangeError(`${spec.kind}.durationMs must be a positive number of milliseconds`);
  }
  return { startMs: spec.startMs, endMs: spec.startMs + spec.durationMs };
}

/** `value`, or `fallback` when absent; a RangeError unless it is a positive finite number. */
export function positive(kind: ScenarioKind, field: string, value: number | undefined, fallback: number): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen <= 0) throw new RangeError(`${kind}.${field} must be a positive number`);
  return chosen;
}

/** The high-cost countries pumping goes after, in catalogue order. */
export const HIGH_COST_COUNTRIES: readonly CountryProfile[] = COUNTRIES.filter((country) => country.highCost);

export interface RangeTarget {
  country: CountryProfile;
  range: MobileRange;
}

/**
 * The country and sub-range a scenario's prefix names. Accepts the collectors' form ("+998 901")
 * or the compact one ("+998901"); the prefix must lie inside one of the country's mobile ranges.
 */
export function rangeTarget(kind: ScenarioKind, prefix: string): RangeTarget {
  const compact = prefix.replace(/\s/g, '');
  for (const country of COUNTRIES) {
    for (const range of country.mobileRanges) {
      const nationalDigits = compact.length - 1 - range.callingCode.length;
      if (nationalDigits < PREFIX_NATIONAL_DIGITS) continue;
      // The prefix may cover a longer range ("+1 212" over "+121295") or lie inside a shorter one.
      if (range.prefix.startsWith(compact)) return { country, range };
      if (compact.startsWith(range.prefix) && nationalDigits < range.length) {
        return { country, range: narrowRange(range, compact.slice(range.prefix.length)) };
      }
    }
  }
  throw new RangeError(
    `${kind}: prefix "${prefix}" is not inside a known mobile range; write "+", the calling code and at least ` +
      `${PREFIX_NATIONAL_DIGITS} national digits of a range in the countries catalogue, e.g. "+998 901"`,
  );
}

export function knownProvider(kind: ScenarioKind, provider: string): ProviderName {
  const found = PROVIDERS.find((name) => name === provider);
  if (found === undefined) throw new RangeError(`${kind}.provider "${provider}" is unknown: use one of ${PROVIDERS.join(', ')}`);
  return found;
}

export function knownCountry(kind: ScenarioKind, iso: string): CountryProfile {
  try {
    return countryProfile(iso);
  } catch (error) {
    throw new RangeError(`${kind}: ${(error as Error).message}`);
  }
}

/**
 * The one prefix a single-prefix scenario targets: the one `prefix` names, else one in `country`,
 * else one in a country drawn from `fallback`.
 */
export function singleRange(
  kind: ScenarioKind,
  spec: { country?: string; prefix?: string },
  r: Random,
  fallback: readonly CountryProfile[],
): RangeTarget {
  if (spec.prefix) {
    const named = rangeTarget(kind, spec.prefix);
    if (spec.country && spec.country !== named.country.iso) {
      throw new RangeError(`${kind}.prefix "${spec.prefix}" is not a range of ${spec.country}`);
    }
    return named;
  }
  const country = spec.country ? knownCountry(kind, spec.country) : pick(r, fallback);
  return { country, range: onePrefixRange(r, pick(r, country.mobileRanges)) };
}
