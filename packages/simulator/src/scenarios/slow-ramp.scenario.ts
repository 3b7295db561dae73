/**
 * Slow ramp: pumping that starts at nothing and grows steadily over hours, so that a detector
 * comparing each minute with the last few minutes keeps adapting to it. Only a baseline that
 * remembers yesterday (or a conversion floor) sees it.
 */
import { MS_PER_MINUTE } from '../engine/time.ts';
import { createRandom } from '../random/prng.ts';
import { STREAM } from '../random/streams.ts';
import { collectorPrefix } from '../traffic/phone-number.ts';
import { PUMPED_SENDS_PER_SESSION, runPumpingSession } from '../traffic/pumping-session.ts';
import { botSession, DEFAULT_ATTACK_APP, DEFAULT_ATTACK_FLOW, hostingExits, residentialExits, soleAsn } from './attack-source.ts';
import { pick } from '../random/sampling.ts';
import { scenarioLabel } from './scenario-label.ts';
import { elapsedShare, scenarioMinute } from './scenario-minute.ts';
import type { ScenarioRunner, ScenarioSetup, SlowRampSpec } from './scenario.types.ts';
import { HIGH_COST_COUNTRIES, positive, scenarioWindow, singleRange } from './spec-checks.ts';

/** Peak rate reached at the end of the window: the size of a burst, reached in hours instead of a minute. */
const DEFAULT_PEAK_SENDS_PER_MINUTE = 40;
/** More servers than a burst: a patient operator spreads the load. */
const EXIT_ASNS = 3;
const EXIT_IPS_PER_ASN = 10;
/** Residential proxy exits rented for a ramp that hides in home networks. */
const PROXY_POOL_SIZE = 200;
const HALF_MINUTE_MS = MS_PER_MINUTE / 2;

export function createSlowRamp(spec: SlowRampSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const peak = positive(spec.kind, 'peakSendsPerMinute', spec.peakSendsPerMinute, DEFAULT_PEAK_SENDS_PER_MINUTE);
  const setupRandom = createRandom(setup.seedHash, STREAM.scenarioSetup, setup.index);
  const app = spec.app ?? DEFAULT_ATTACK_APP;
  const flow = spec.flow ?? DEFAULT_ATTACK_FLOW;
  const { country, range } = singleRange(spec.kind, spec, setupRandom, HIGH_COST_COUNTRIES);
  const wholeCountry = spec.spread === 'country';
  const exits =
    spec.exits === 'residential' ? residentialExits(setupRandom, PROXY_POOL_SIZE) : hostingExits(setupRandom, EXIT_ASNS, EXIT_IPS_PER_ASN);
  const multiplier = spec.peakMultiplier;
  if (multiplier !== undefined && !(multiplier > 1))
    throw new RangeError(`${spec.kind}.peakMultiplier must be above 1 (8 ends at eight times the country's traffic)`);
  const prefix = wholeCountry ? undefined : collectorPrefix(country, range);
  const scope = { country: country.iso, prefix, provider: spec.provider, asn: soleAsn(exits), app, flow };
  const label = scenarioLabel(spec.kind, setup, window, true, scope);

  return {
    ...window,
    labels: [label],
    emitMinute(ctx) {
      const middleMs = ctx.minuteStartMs + HALF_MINUTE_MS;
      const share = elapsedShare(window, middleMs);
      const sessionsPerMinute =
        multiplier !== undefined
          ? (multiplier - 1) * share * setup.baseline.sessionsPerMinute(country, middleMs)
          : (peak * share) / PUMPED_SENDS_PER_SESSION;
      scenarioMinute(ctx, setup, window).poisson(sessionsPerMinute, label.id, (session, atMs) => {
        const target = wholeCountry ? pick(session.r, country.mobileRanges) : range;
        runPumpingSession(botSession(ctx, setup, session, { app, flow, country, range: target, exits, provider: spec.provider }), atMs);
      });
    },
  };
}
