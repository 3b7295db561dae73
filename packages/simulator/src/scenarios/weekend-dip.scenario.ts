/**
 * Weekend dip: nothing to inject, the seasonality already lowers weekend traffic by 10-20%. The
 * scenario exists so a benchmark can mark the weekend as a known look-alike of a traffic drop
 * and check that nothing pages on it.
 */
import { scenarioLabel } from './scenario-label.ts';
import type { ScenarioRunner, ScenarioSetup, WeekendDipSpec } from './scenario.types.ts';
import { scenarioWindow } from './spec-checks.ts';

export function createWeekendDip(spec: WeekendDipSpec, setup: ScenarioSetup): ScenarioRunner {
  const window = scenarioWindow(spec);
  return { ...window, labels: [scenarioLabel(spec.kind, setup, window, false, {})] };
}
