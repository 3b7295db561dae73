/**
 * Provider outage: one provider stops delivering in one country. Sends are rejected
 * (`send_failed`) or accepted and lost (`undelivered`); users ask again and give up, so
 * conversion drops in that scope. The look-alike of pumping's conversion collapse, but the
 * volume does not rise and the receipts say why: the messaging-vendor owner's alert, not fraud's.
 */
import { scenarioLabel } from './scenario-label.ts';
import type { ProviderOutageSpec, ScenarioRunner, ScenarioSetup } from './scenario.types.ts';
import { knownCountry, knownProvider, positive, scenarioWindow } from './spec-checks.ts';

/** Most, not all, messages lost: outages are usually partial (some routes or carriers still work). */
const DEFAULT_FAIL_SHARE = 0.8;

export function createProviderOutage(spec: ProviderOutageSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  const country = knownCountry(spec.kind, spec.country);
  const provider = knownProvider(spec.kind, spec.provider);
  const failShare = positive(spec.kind, 'failShare', spec.failShare, DEFAULT_FAIL_SHARE);
  if (failShare > 1) throw new RangeError(`${spec.kind}.failShare is a share: between 0 and 1`);
  const mode = spec.mode ?? 'undelivered';
  const label = scenarioLabel(spec.kind, setup, window, false, { country: country.iso, provider });

  return {
    ...window,
    labels: [label],
    outage: {
      labelId: label.id,
      country: country.iso,
      provider,
      degrade: (odds) =>
        mode === 'send_failed'
          ? { failShare: Math.max(odds.failShare, failShare), deliveredShare: odds.deliveredShare }
          : { failShare: odds.failShare, deliveredShare: odds.deliveredShare * (1 - failShare) },
    },
  };
}
