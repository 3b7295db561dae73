/**
 * Price change: a provider reprices one country. Announced, the services' price table follows and
 * the estimated cost per send rises with the bills: a cost spike with flat volume, finance's alert.
 * Unannounced, the estimates stay and only the bills rise: a billing mismatch. Neither is fraud.
 */
import { PROVIDERS } from '../catalog/providers.catalog.ts';
import { scenarioLabel } from './scenario-label.ts';
import type { PriceChangeSpec, ScenarioRunner, ScenarioSetup } from './scenario.types.ts';
import { knownCountry, positive, scenarioWindow } from './spec-checks.ts';

/** A doubling: what a carrier's new termination fee for application-to-person traffic looks like. */
const DEFAULT_FACTOR = 2;

export function createPriceChange(spec: PriceChangeSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const country = knownCountry(spec.kind, spec.country);
  if (!PROVIDERS.includes(spec.provider)) {
    throw new RangeError(`${spec.kind}.provider "${spec.provider}" is unknown: use one of ${PROVIDERS.join(', ')}`);
  }
  const factor = positive(spec.kind, 'factor', spec.factor, DEFAULT_FACTOR);
  const label = scenarioLabel(spec.kind, setup, window, false, { country: country.iso, provider: spec.provider });
  return {
    ...window,
    labels: [label],
    pricing: {
      labelId: label.id,
      country: country.iso,
      provider: spec.provider,
      estimateFactor: spec.announced ? factor : 1,
      billedFactor: factor,
    },
  };
}
