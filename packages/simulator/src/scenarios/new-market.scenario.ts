/**
 * New market: the company launches in a country it never sent to. Volume appears from nothing,
 * which any "new country" or "growth" rule sees, but users are real and convert normally.
 * Detectors need a cold-start path for scopes without history instead of paging on them.
 */
import { MS_PER_MINUTE } from '../engine/time.ts';
import { SENDS_PER_SESSION } from '../traffic/baseline-traffic.ts';
import { activityFactor } from '../traffic/seasonality.ts';
import { pickApp, pickFlow } from '../traffic/session-mix.ts';
import { scenarioLabel } from './scenario-label.ts';
import { elapsedShare, scenarioMinute } from './scenario-minute.ts';
import { runScenarioUser } from './scenario-users.ts';
import type { NewMarketSpec, ScenarioRunner, ScenarioSetup } from './scenario.types.ts';
import { knownCountry, positive, scenarioWindow } from './spec-checks.ts';

/** A small launch: a few sends a minute once adoption settles (weekly average). */
const DEFAULT_SENDS_PER_MINUTE = 3;
/** Launch adoption: traffic grows over the first two hours (app store listing, first campaign). */
const DEFAULT_RAMP_MS = 120 * MS_PER_MINUTE;
const HALF_MINUTE_MS = MS_PER_MINUTE / 2;

export function createNewMarket(spec: NewMarketSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const country = knownCountry(spec.kind, spec.country);
  if (country.trafficShare > 0) {
    throw new RangeError(
      `${spec.kind}.country ${country.iso} already has traffic: pick a country without baseline volume (e.g. CL, PE, GH, NZ)`,
    );
  }
  const sendsPerMinute = positive(spec.kind, 'sendsPerMinute', spec.sendsPerMinute, DEFAULT_SENDS_PER_MINUTE);
  const rampMs = positive(spec.kind, 'rampMs', spec.rampMs, DEFAULT_RAMP_MS);
  const ramp = { startMs: window.startMs, endMs: window.startMs + rampMs };
  const label = scenarioLabel(spec.kind, setup, window, false, { country: country.iso });

  return {
    ...window,
    labels: [label],
    emitMinute(ctx) {
      const middleMs = ctx.minuteStartMs + HALF_MINUTE_MS;
      const sessionsPerMinute =
        (sendsPerMinute / SENDS_PER_SESSION) * elapsedShare(ramp, middleMs) * activityFactor(middleMs, country.utcOffsetHours);
      scenarioMinute(ctx, setup, window).poisson(sessionsPerMinute, label.id, (session, startMs) => {
        const app = pickApp(session.r);
        runScenarioUser(ctx, setup, session, { startMs, country, app, flow: pickFlow(session.r, app) });
      });
    },
  };
}
