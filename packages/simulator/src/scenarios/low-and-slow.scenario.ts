/**
 * Low and slow: pumping spread over many expensive countries and all their ranges, through a
 * residential proxy pool, each scope only a little above its normal. No single country, prefix
 * or ASN stands out; the sum does, and so does conversion across the app's signup flow.
 */
import { COUNTRIES } from '../catalog/countries.catalog.ts';
import { MS_PER_MINUTE } from '../engine/time.ts';
import { createRandom } from '../random/prng.ts';
import { pick } from '../random/sampling.ts';
import { STREAM } from '../random/streams.ts';
import { PUMPED_SENDS_PER_SESSION, runPumpingSession } from '../traffic/pumping-session.ts';
import { botSession, DEFAULT_ATTACK_APP, DEFAULT_ATTACK_FLOW, residentialExits } from './attack-source.ts';
import { scenarioLabel } from './scenario-label.ts';
import { scenarioMinute } from './scenario-minute.ts';
import type { LowAndSlowSpec, ScenarioRunner, ScenarioSetup } from './scenario.types.ts';
import { knownCountry, positive, scenarioWindow } from './spec-checks.ts';

/** A few sends a minute in total, well under a send a minute per country. */
const DEFAULT_SENDS_PER_MINUTE = 8;
/** Mainstream countries with high termination fees join the pumping targets. */
const EXPENSIVE_SMS_PRICE_USD = 0.2;
/** Residential proxy exits rented for the campaign: a few hundred addresses on many carriers. */
const PROXY_POOL_SIZE = 400;

export function createLowAndSlow(spec: LowAndSlowSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const sendsPerMinute = positive(spec.kind, 'sendsPerMinute', spec.sendsPerMinute, DEFAULT_SENDS_PER_MINUTE);
  const setupRandom = createRandom(setup.seedHash, STREAM.scenarioSetup, setup.index);
  const app = spec.app ?? DEFAULT_ATTACK_APP;
  const flow = spec.flow ?? DEFAULT_ATTACK_FLOW;
  const countries = spec.countries
    ? spec.countries.map((iso) => knownCountry(spec.kind, iso))
    : COUNTRIES.filter((country) => country.trafficShare > 0 && (country.highCost || country.smsPriceUsd >= EXPENSIVE_SMS_PRICE_USD));
  if (countries.length === 0) throw new RangeError(`${spec.kind}.countries must list one or more countries`);
  const exits = residentialExits(setupRandom, PROXY_POOL_SIZE);
  const label = scenarioLabel(spec.kind, setup, window, true, { app, flow });
  const multiplier = spec.multiplier;
  if (multiplier !== undefined && !(multiplier > 1))
    throw new RangeError(`${spec.kind}.multiplier must be above 1 (1.5 adds half of each country's traffic)`);

  return {
    ...window,
    labels: [label],
    emitMinute(ctx) {
      if (multiplier !== undefined) {
        // Each country at its own scale: a share of its normal sessions added, over all its ranges.
        const middleMs = ctx.minuteStartMs + MS_PER_MINUTE / 2;
        const minute = scenarioMinute(ctx, setup, window);
        for (const country of countries) {
          minute.poisson((multiplier - 1) * setup.baseline.sessionsPerMinute(country, middleMs), label.id, (session, atMs) => {
            const range = pick(session.r, country.mobileRanges);
            runPumpingSession(botSession(ctx, setup, session, { app, flow, country, range, exits, provider: undefined }), atMs);
          });
        }
        return;
      }
      scenarioMinute(ctx, setup, window).poisson(sendsPerMinute / PUMPED_SENDS_PER_SESSION, label.id, (session, atMs) => {
        const country = pick(session.r, countries);
        const range = pick(session.r, country.mobileRanges);
        runPumpingSession(botSession(ctx, setup, session, { app, flow, country, range, exits, provider: undefined }), atMs);
      });
    },
  };
}
