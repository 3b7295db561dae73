/** Which factory builds which kind of scenario: adding a kind means adding its line here. */
import { createBurstPumping } from './burst-pumping.scenario.ts';
import { createHoliday } from './holiday.scenario.ts';
import { createLowAndSlow } from './low-and-slow.scenario.ts';
import { createMarketingCampaign } from './marketing-campaign.scenario.ts';
import { createNewMarket } from './new-market.scenario.ts';
import { createPriceChange } from './price-change.scenario.ts';
import { createProviderOutage } from './provider-outage.scenario.ts';
import { createProviderSlowdown } from './provider-slowdown.scenario.ts';
import type { ScenarioKind, ScenarioRunner, ScenarioSetup, ScenarioSpec } from './scenario.types.ts';
import { createSequentialEnumeration } from './sequential-enumeration.scenario.ts';
import { createSlowRamp } from './slow-ramp.scenario.ts';
import { createVerifyBruteforce } from './verify-bruteforce.scenario.ts';
import { createWeekendDip } from './weekend-dip.scenario.ts';

type ScenarioFactories = {
  [K in ScenarioKind]: (spec: Extract<ScenarioSpec, { kind: K }>, setup: ScenarioSetup) => ScenarioRunner;
};

const FACTORIES: ScenarioFactories = {
  burst_pumping: createBurstPumping,
  slow_ramp: createSlowRamp,
  low_and_slow: createLowAndSlow,
  sequential_enumeration: createSequentialEnumeration,
  verify_bruteforce: createVerifyBruteforce,
  marketing_campaign: createMarketingCampaign,
  provider_outage: createProviderOutage,
  provider_slowdown: createProviderSlowdown,
  price_change: createPriceChange,
  new_market: createNewMarket,
  holiday: createHoliday,
  weekend_dip: createWeekendDip,
};

export function createScenario(spec: ScenarioSpec, setup: ScenarioSetup): ScenarioRunner {
  const factory = FACTORIES[spec.kind] as ((spec: ScenarioSpec, setup: ScenarioSetup) => ScenarioRunner) | undefined;
  if (!factory) throw new RangeError(`unknown scenario kind "${String(spec.kind)}": use one of ${Object.keys(FACTORIES).join(', ')}`);
  return factory(spec, setup);
}
