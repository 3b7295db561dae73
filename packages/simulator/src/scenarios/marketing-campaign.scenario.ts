/**
 * Marketing campaign: a push or e-mail blast multiplies one country's OTP traffic, mostly new
 * signups, and they convert like everyone else. The look-alike of a burst: volume up in a
 * scope, but conversion normal and the senders real users on local carriers. Must not page.
 */
import type { Flow } from '@tollgate/events';
import { MS_PER_MINUTE } from '../engine/time.ts';
import { weightedPicker } from '../random/sampling.ts';
import { scenarioLabel } from './scenario-label.ts';
import { scenarioMinute } from './scenario-minute.ts';
import { runScenarioUser } from './scenario-users.ts';
import type { MarketingCampaignSpec, ScenarioRunner, ScenarioSetup } from './scenario.types.ts';
import { knownCountry, positive, scenarioWindow } from './spec-checks.ts';

/** Triple traffic: a typical lift of a push campaign in its first hour (assumption). */
const DEFAULT_MULTIPLIER = 3;
/** Campaign traffic is new users signing up and lapsed users logging back in. */
const pickCampaignFlow = weightedPicker<Flow>({ signup: 0.6, login: 0.35, recovery: 0.05, step_up: 0 });
/** Notifications fan out over a few minutes, so the lift builds up instead of jumping. */
const RAMP_UP_MS = 10 * MS_PER_MINUTE;
const HALF_MINUTE_MS = MS_PER_MINUTE / 2;

export function createMarketingCampaign(spec: MarketingCampaignSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const multiplier = positive(spec.kind, 'multiplier', spec.multiplier, DEFAULT_MULTIPLIER);
  if (multiplier <= 1) throw new RangeError(`${spec.kind}.multiplier must be above 1 (3 triples the country's traffic)`);
  const country = knownCountry(spec.kind, spec.country);
  const app = spec.app ?? 'shop';
  const label = scenarioLabel(spec.kind, setup, window, false, { country: country.iso, app });

  return {
    ...window,
    labels: [label],
    emitMinute(ctx) {
      const middleMs = ctx.minuteStartMs + HALF_MINUTE_MS;
      const ramp = Math.min(1, Math.max(0, (middleMs - window.startMs) / RAMP_UP_MS));
      const extraSessions = (multiplier - 1) * ramp * setup.baseline.sessionsPerMinute(country, middleMs);
      scenarioMinute(ctx, setup, window).poisson(extraSessions, label.id, (session, startMs) => {
        runScenarioUser(ctx, setup, session, { startMs, country, app, flow: pickCampaignFlow(session.r) });
      });
    },
  };
}
