/** How scenarios name and describe their labels, so every label reads the same way. */
import type { LabelDefinition, LabelScope, ScenarioKind, ScenarioSetup } from './scenario.types.ts';
import type { Window } from './spec-checks.ts';

/**
 * A label for the scenario at `setup.index`: id `<kind>-<index>` (plus `-<part>` for scenarios
 * with one label per country). Scope fields left undefined are dropped: absent means "any".
 */
export function scenarioLabel(
  kind: ScenarioKind,
  setup: ScenarioSetup,
  window: Window,
  attack: boolean,
  scope: { [K in keyof LabelScope]: LabelScope[K] | undefined },
  part?: string,
): LabelDefinition {
  const definedScope = Object.fromEntries(Object.entries(scope).filter(([, value]) => value !== undefined)) as LabelScope;
  return {
    id: part === undefined ? `${kind}-${setup.index}` : `${kind}-${setup.index}-${part}`,
    scenario: kind,
    startMs: window.startMs,
    endMs: window.endMs,
    scope: definedScope,
    attack,
  };
}
