/**
 * Provider slowdown: one provider delivers to one country several times slower than usual, every
 * message still arriving. Volume and failures do not move; only the time from send to delivered
 * receipt does, which is what the delivery_latency anomaly watches for the messaging-vendor owner.
 */
import { scenarioLabel } from './scenario-label.ts';
import type { ProviderSlowdownSpec, ScenarioRunner, ScenarioSetup } from './scenario.types.ts';
import { knownCountry, knownProvider, positive, scenarioWindow } from './spec-checks.ts';

/** Receipts six times slower: a 4 s median becomes 24 s, long enough for users to ask again. */
const DEFAULT_DELAY_FACTOR = 6;

export function createProviderSlowdown(spec: ProviderSlowdownSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const country = knownCountry(spec.kind, spec.country);
  const provider = knownProvider(spec.kind, spec.provider);
  const delayFactor = positive(spec.kind, 'delayFactor', spec.delayFactor, DEFAULT_DELAY_FACTOR);
  const label = scenarioLabel(spec.kind, setup, window, false, { country: country.iso, provider });

  return {
    ...window,
    labels: [label],
    outage: {
      labelId: label.id,
      country: country.iso,
      provider,
      degrade: (odds) => ({ ...odds, delayFactor: (odds.delayFactor ?? 1) * delayFactor }),
    },
  };
}
