/**
 * Real users a look-alike scenario adds (a campaign's audience, a new market's first users): the
 * same sessions as the baseline's, routed the same way and caught by the same outages and price changes.
 */
import type { Flow } from '@tollgate/events';
import type { AppName } from '../catalog/apps.catalog.ts';
import type { CountryProfile } from '../catalog/countries.catalog.ts';
import type { MinuteContext } from '../engine/minute-context.ts';
import { runLegitSession } from '../traffic/legit-session.ts';
import type { ScenarioSession } from './scenario-minute.ts';
import type { ScenarioSetup } from './scenario.types.ts';

export interface ScenarioUser {
  startMs: number;
  country: CountryProfile;
  app: AppName;
  flow: Flow;
}

export function runScenarioUser(ctx: MinuteContext, setup: ScenarioSetup, session: ScenarioSession, user: ScenarioUser): void {
  const provider = setup.baseline.pickProvider(user.country, session.r);
  runLegitSession(session.log, session.r, ctx.seedHash, ctx.minute, {
    ...user,
    provider,
    outage: ctx.outageAt(user.country.iso, provider, user.startMs),
    price: ctx.priceAt(user.country.iso, provider, user.startMs),
  });
}
