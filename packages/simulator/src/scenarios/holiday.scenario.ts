/**
 * A public holiday: in some countries people have time, shop and sign up, and every app's OTP
 * traffic runs at `multiplier` times a normal day's for the whole day. The look-alike of a
 * distributed attack: many countries up at once, but the users are real and verify.
 */
import { MS_PER_MINUTE } from '../engine/time.ts';
import { pickApp, pickFlow } from '../traffic/session-mix.ts';
import { scenarioLabel } from './scenario-label.ts';
import { scenarioMinute } from './scenario-minute.ts';
import { runScenarioUser } from './scenario-users.ts';
import type { HolidaySpec, ScenarioRunner, ScenarioSetup } from './scenario.types.ts';
import { knownCountry, positive, scenarioWindow } from './spec-checks.ts';

/** Half again a normal day: the lift of a shopping holiday (assumption). */
const DEFAULT_MULTIPLIER = 1.5;
const HALF_MINUTE_MS = MS_PER_MINUTE / 2;

export function createHoliday(spec: HolidaySpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const multiplier = positive(spec.kind, 'multiplier', spec.multiplier, DEFAULT_MULTIPLIER);
  if (multiplier <= 1) throw new RangeError(`${spec.kind}.multiplier must be above 1 (1.5 is half again a normal day)`);
  if (spec.countries.length === 0) throw new RangeError(`${spec.kind}.countries must list one or more countries`);
  const countries = spec.countries.map((iso) => knownCountry(spec.kind, iso));
  const labels = countries.map((country) => scenarioLabel(spec.kind, setup, window, false, { country: country.iso }, country.iso));

  return {
    ...window,
    labels,
    emitMinute(ctx) {
      const middleMs = ctx.minuteStartMs + HALF_MINUTE_MS;
      const minute = scenarioMinute(ctx, setup, window);
      for (const [i, country] of countries.entries()) {
        minute.poisson((multiplier - 1) * setup.baseline.sessionsPerMinute(country, middleMs), labels[i]?.id ?? '', (session, startMs) => {
          const app = pickApp(session.r);
          runScenarioUser(ctx, setup, session, { startMs, country, app, flow: pickFlow(session.r, app) });
        });
      }
    },
  };
}
