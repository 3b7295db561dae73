import type { ScopeAttributes, ScopeKey } from '@tollgate/vocabulary';
import type { Breaker } from './breaker.ts';

/** The breakers that may act on a request, answered without looking at every breaker. */
export interface BreakerIndex {
  /** Covering breakers that are not closed. Callers judge cooldown and expiry at their own time (see `effectiveState`). */
  matching(request: ScopeAttributes): readonly Breaker[];
  /** Breakers held (closed ones are left out at build). */
  readonly size: number;
}

/**
 * Keys from the most to the least selective: a request has one value per key, so a lookup that
 * starts at the prefix (thousands of values per country) stops at once for almost all traffic,
 * while one that started at the flow (four values) would go on for a quarter of it.
 */
const KEYS_BY_SELECTIVITY: readonly ScopeKey[] = ['prefix', 'asn', 'country', 'provider', 'app', 'flow'];

/** Nested maps, one level per key of a shape in selectivity order; the last level holds the breakers. */
type Level = Map<string | number, unknown>;

/** All breakers whose scopes name the same keys, e.g. every { app, country, prefix } breaker. */
interface Shape {
  keys: readonly ScopeKey[];
  root: Level;
}

const NONE: readonly Breaker[] = [];

/**
 * Groups breakers by the set of keys their scopes name, and files each group in nested maps keyed
 * by those values, most selective key first. A lookup walks each group with the request's values:
 * a miss costs one Map probe, a hit finds exactly the covering breakers without comparing any
 * scope. Groups are few (a handful of scope shapes however many breakers), so a lookup costs a
 * few probes with 1,000 breakers as with 10. The decision path rebuilds the index when breakers
 * change (rarely) and reads it on every send (always).
 */
export function createBreakerIndex(breakers: Iterable<Breaker>): BreakerIndex {
  const shapes = new Map<string, Shape>();
  // createBreaker refuses empty scopes; one read back from elsewhere still covers everything, as its scope says.
  const everywhere: Breaker[] = [];
  let size = 0;
  for (const breaker of breakers) {
    if (breaker.state === 'closed') continue;
    size++;
    const keys = KEYS_BY_SELECTIVITY.filter((key) => breaker.scope[key] !== undefined);
    if (keys.length === 0) {
      everywhere.push(breaker);
      continue;
    }
    const shapeId = keys.join(',');
    let shape = shapes.get(shapeId);
    if (shape === undefined) shapes.set(shapeId, (shape = { keys, root: new Map() }));
    fileUnder(shape, breaker);
  }
  const groups = [...shapes.values()];

  return {
    size,
    matching(request) {
      let found: Breaker[] | undefined = everywhere.length === 0 ? undefined : [...everywhere];
      for (const { keys, root } of groups) {
        let node: unknown = root;
        for (const key of keys) {
          const value = request[key];
          node = value === undefined ? undefined : (node as Level).get(value);
          if (node === undefined) break;
        }
        if (node === undefined) continue;
        for (const breaker of node as Breaker[]) (found ??= []).push(breaker);
      }
      return found ?? NONE;
    },
  };
}

function fileUnder(shape: Shape, breaker: Breaker): void {
  let level = shape.root;
  shape.keys.forEach((key, depth) => {
    const value = breaker.scope[key]!;
    const last = depth === shape.keys.length - 1;
    let next = level.get(value);
    if (next === undefined) level.set(value, (next = last ? [] : new Map()));
    if (last) (next as Breaker[]).push(breaker);
    else level = next as Level;
  });
}
