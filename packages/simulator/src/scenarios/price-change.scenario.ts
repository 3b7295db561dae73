/**
 * Price change: a provider reprices one country. Announced, the services' price table follows and
 * the estimated cost per send rises with the bills: a cost spike with flat volume, finance's alert.
 * Unannounced, the estimates stay and only the bills rise: a billing mismatch. Neither is fraud.
 */
import { scenarioLabel } from './scenario-label.ts';
import type { PriceChangeSpec, ScenarioRunner, ScenarioSetup } from './scenario.types.ts';
import { knownCountry, knownProvider, positive, scenarioWindow } from './spec-checks.ts';

/** A doubling: what a carrier's new termination fee for application-to-person traffic looks like. */
const DEFAULT_FACTOR = 2;

export function createPriceChange(spec: PriceChangeSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const country = knownCountry(spec.kind, spec.country);
  const provider = knownProvider(spec.kind, spec.provider);
  const factor = positive(spec.kind, 'factor', spec.factor, DEFAULT_FACTOR);
  const label = scenarioLabel(spec.kind, setup, window, false, { country: country.iso, provider });
  return {
    ...window,
    labels: [label],
    pricing: {
      labelId: label.id,
      country: country.iso,
      provider,
      estimateFactor: spec.announced ? factor : 1,
      billedFactor: factor,
    },
  };
}
