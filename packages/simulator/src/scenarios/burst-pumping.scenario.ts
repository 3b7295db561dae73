/**
 * Burst pumping: a bot farm switches on and floods premium prefixes of one to three high-cost
 * countries from a few servers. The textbook SMS pumping signature (product brief, glossary):
 * sends and cost jump in a narrow scope while conversion falls to zero.
 */
import type { CountryProfile } from '../catalog/countries.catalog.ts';
import { createRandom } from '../random/prng.ts';
import { intBelow, pick, pickDistinct } from '../random/sampling.ts';
import { STREAM } from '../random/streams.ts';
import { collectorPrefix, onePrefixRange } from '../traffic/phone-number.ts';
import { MAX_PUMPED_SENDS_PER_SESSION, PUMPED_SENDS_PER_SESSION, runPumpingSession } from '../traffic/pumping-session.ts';
import { botSession, DEFAULT_ATTACK_APP, DEFAULT_ATTACK_FLOW, hostingExits, soleAsn } from './attack-source.ts';
import { scenarioLabel } from './scenario-label.ts';
import { scenarioMinute } from './scenario-minute.ts';
import type { BurstPumpingSpec, ScenarioRunner, ScenarioSetup } from './scenario.types.ts';
import { HIGH_COST_COUNTRIES, knownCountry, positive, rangeTarget, scenarioWindow, type RangeTarget } from './spec-checks.ts';

/** About 3 600 sends an hour: a mid-sized wave (reported incidents run from hundreds to tens of thousands an hour). */
const DEFAULT_SENDS_PER_MINUTE = 60;
/** The brief's "1-3 high-cost countries". */
const MAX_DEFAULT_COUNTRIES = 3;
/** A small bot farm: two hosting providers, a few servers on each. */
const EXIT_ASNS = 2;
const EXIT_IPS_PER_ASN = 6;

interface CountryTarget {
  country: CountryProfile;
  labelId: string;
  targets: RangeTarget[];
}

export function createBurstPumping(spec: BurstPumpingSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const sendsPerMinute = positive(spec.kind, 'sendsPerMinute', spec.sendsPerMinute, DEFAULT_SENDS_PER_MINUTE);
  const setupRandom = createRandom(setup.seedHash, STREAM.scenarioSetup, setup.index);
  const app = spec.app ?? DEFAULT_ATTACK_APP;
  const flow = spec.flow ?? DEFAULT_ATTACK_FLOW;

  const named = (spec.prefixes ?? []).map((prefix) => rangeTarget(spec.kind, prefix));
  const countries = spec.countries
    ? spec.countries.map((iso) => knownCountry(spec.kind, iso))
    : named.length > 0
      ? [...new Set(named.map((target) => target.country))]
      : pickDistinct(setupRandom, HIGH_COST_COUNTRIES, 1 + intBelow(setupRandom, MAX_DEFAULT_COUNTRIES));
  if (countries.length === 0 || new Set(countries).size !== countries.length) {
    throw new RangeError(`${spec.kind}.countries must list one or more distinct countries`);
  }
  const stray = named.find((target) => !countries.includes(target.country));
  if (stray) throw new RangeError(`${spec.kind}.prefixes: "${stray.range.prefix}" is in ${stray.country.iso}, which is not in countries`);

  const prefixesPerCountry = Math.round(positive(spec.kind, 'prefixesPerCountry', spec.prefixesPerCountry, 1));
  const verifyShare = spec.verifyShare ?? 0;
  if (!(verifyShare >= 0 && verifyShare < 1)) throw new RangeError(`${spec.kind}.verifyShare must be in [0, 1)`);
  const exitAsns = Math.round(positive(spec.kind, 'exitAsns', spec.exitAsns, EXIT_ASNS));
  const exitIpsPerAsn = Math.round(positive(spec.kind, 'exitIpsPerAsn', spec.exitIpsPerAsn, EXIT_IPS_PER_ASN));
  const exits = hostingExits(setupRandom, exitAsns, exitIpsPerAsn);
  const sendsPerSession = spec.sendsPerSession ?? PUMPED_SENDS_PER_SESSION;
  if (!(sendsPerSession >= 1 && sendsPerSession <= MAX_PUMPED_SENDS_PER_SESSION)) {
    throw new RangeError(`${spec.kind}.sendsPerSession must be in [1, ${MAX_PUMPED_SENDS_PER_SESSION}]`);
  }
  const perCountry: CountryTarget[] = countries.map((country) => {
    const ranges = named.filter((target) => target.country === country);
    const drawn = () =>
      Array.from({ length: prefixesPerCountry }, () => ({
        country,
        range: onePrefixRange(setupRandom, pick(setupRandom, country.mobileRanges)),
      }));
    return { country, labelId: `${spec.kind}-${setup.index}-${country.iso}`, targets: ranges.length > 0 ? ranges : drawn() };
  });
  const sessionsPerMinutePerCountry = sendsPerMinute / sendsPerSession / perCountry.length;

  return {
    ...window,
    labels: perCountry.map(({ country, targets }) => {
      const [only] = targets;
      const prefix = targets.length === 1 && only ? collectorPrefix(country, only.range) : undefined;
      const scope = { country: country.iso, prefix, provider: spec.provider, asn: soleAsn(exits), app, flow };
      return scenarioLabel(spec.kind, setup, window, true, scope, country.iso);
    }),
    emitMinute(ctx) {
      const minute = scenarioMinute(ctx, setup, window);
      for (const { labelId, targets } of perCountry) {
        minute.poisson(sessionsPerMinutePerCountry, labelId, (session, atMs) => {
          const { country, range } = pick(session.r, targets);
          const bot = botSession(ctx, setup, session, { app, flow, country, range, exits, provider: spec.provider });
          runPumpingSession(bot, atMs, verifyShare, sendsPerSession);
        });
      }
    },
  };
}
