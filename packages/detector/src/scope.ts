/**
 * Scopes the detector baselines and reports on. A finding's scope is the smallest combination of
 * dimensions that explains it; the levels below are the combinations that keep a baseline.
 */
import type { Scope } from '@tollgate/vocabulary';

export type { Scope };

/** A fine cell of the rollup: every dimension set. */
export interface CellScope {
  app: string;
  flow: string;
  country: string;
  prefix: string;
  asn: number;
  provider: string;
}

export const SCOPE_LEVELS = ['all', 'app_flow', 'country', 'prefix', 'provider_country', 'asn'] as const;
export type ScopeLevel = (typeof SCOPE_LEVELS)[number];

/** The dimensions each level keeps, in the order its key lists them. */
export const LEVEL_DIMENSIONS: Record<ScopeLevel, readonly (keyof CellScope)[]> = {
  all: [],
  app_flow: ['app', 'flow'],
  country: ['country'],
  prefix: ['country', 'prefix'],
  provider_country: ['provider', 'country'],
  asn: ['asn'],
};

/** Levels that name where messages go (pumping lives there); the others say who asked or who carried. */
export const DESTINATION_LEVELS: readonly ScopeLevel[] = ['country', 'prefix'];

/** The scope of a cell at a level. */
export function scopeAt(level: ScopeLevel, cell: CellScope): Scope {
  const scope: Scope = {};
  for (const dimension of LEVEL_DIMENSIONS[level]) {
    if (dimension === 'asn') scope.asn = cell.asn;
    else scope[dimension] = cell[dimension];
  }
  return scope;
}

/** Whether a cell falls inside a scope (absent scope fields match anything). */
export function cellInScope(cell: CellScope, scope: Scope): boolean {
  return (
    (scope.app === undefined || scope.app === cell.app) &&
    (scope.flow === undefined || scope.flow === cell.flow) &&
    (scope.country === undefined || scope.country === cell.country) &&
    (scope.prefix === undefined || scope.prefix === cell.prefix) &&
    (scope.asn === undefined || scope.asn === cell.asn) &&
    (scope.provider === undefined || scope.provider === cell.provider)
  );
}

/** Whether `inner` names every field of `outer` with the same value and at least one more. */
export function scopeWithin(inner: Scope, outer: Scope): boolean {
  let extra = false;
  for (const key of ['app', 'flow', 'country', 'prefix', 'asn', 'provider'] as const) {
    if (outer[key] !== undefined && outer[key] !== inner[key]) return false;
    if (outer[key] === undefined && inner[key] !== undefined) extra = true;
  }
  return extra;
}

/** A scope as a cell, the dimensions it lacks empty: the key of its series at its level. */
export function cellOfScope(scope: Scope): CellScope {
  return {
    app: scope.app ?? '',
    flow: scope.flow ?? '',
    country: scope.country ?? '',
    prefix: scope.prefix ?? '',
    asn: scope.asn ?? 0,
    provider: scope.provider ?? '',
  };
}
