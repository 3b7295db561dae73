export { createSimulator, DEFAULT_SENDS_PER_MINUTE } from './engine/simulator.ts';
export type { Simulator, SimulatorOptions } from './engine/simulator.ts';
export { demoScenarios } from './demo-scenarios.ts';
export type { SimBilling, SimEvent, SimReceipt, SimSend, SimVerify } from './sim-event.ts';
export type {
  BurstPumpingSpec,
  HolidaySpec,
  LabelScope,
  LowAndSlowSpec,
  MarketingCampaignSpec,
  NewMarketSpec,
  PriceChangeSpec,
  ProviderOutageSpec,
  ProviderSlowdownSpec,
  ScenarioKind,
  ScenarioLabel,
  ScenarioSpec,
  SequentialEnumerationSpec,
  SlowRampSpec,
  VerifyBruteforceSpec,
  WeekendDipSpec,
} from './scenarios/scenario.types.ts';
export { COUNTRIES, type CountryProfile, type MobileRange } from './catalog/countries.catalog.ts';
export { APPS, type AppName } from './catalog/apps.catalog.ts';
export { PROVIDERS, type ProviderName } from './catalog/providers.catalog.ts';
export { loadSimulatedTraffic } from './simulation-loader.ts';
export type { EventCounts } from './simulation-loader.ts';
