/**
 * A map with a hard cap on keys, for per-phone, per-IP and per-session counters that attackers can
 * make arbitrarily many of, and for the caches of hot lookups on the ingest path (number blocks). Two generations instead of a strict LRU: a hit costs one or two Map
 * probes and no reordering; when the young generation is full, the old one is dropped whole. Keys
 * touched since the last turnover move to the young generation, so the working set survives the
 * way it would in an LRU.
 *
 * Dropping a live counter forgets sends, so `evicted` is counted: a rising count means the cap is
 * too small for the traffic, or someone is spraying keys to flush counters.
 */
export interface CappedMap<V> {
  get(key: string): V | undefined;
  /** The value for `key`, created by `create` (and counted against the cap) when absent. */
  upsert(key: string, create: () => V): V;
  /** Sets `key` (counted against the cap when new). */
  set(key: string, value: V): void;
  /**
   * Adds `key`, which the caller knows is absent: a `get` of it missed and nothing was added since.
   * Saves the probes `set` and `upsert` make to find out.
   */
  addAbsent(key: string, value: V): void;
  values(): IterableIterator<V>;
  readonly size: number;
  /** Keys dropped by the cap since creation. */
  readonly evicted: number;
}

/** Two generations share the cap, so a turnover never leaves more than `maxKeys` entries. */
const GENERATIONS = 2;

export function createCappedMap<V>(maxKeys: number): CappedMap<V> {
  if (!Number.isInteger(maxKeys) || maxKeys < GENERATIONS) {
    throw new RangeError(`maxKeys must be an integer >= ${GENERATIONS}, got ${maxKeys}`);
  }
  const generationCap = Math.floor(maxKeys / GENERATIONS);
  let young = new Map<string, V>();
  let old = new Map<string, V>();
  let evicted = 0;

  function insert(key: string, value: V): void {
    if (young.size >= generationCap) {
      evicted += old.size;
      old = young;
      young = new Map();
    }
    young.set(key, value);
  }

  function get(key: string): V | undefined {
    const hit = young.get(key);
    if (hit !== undefined) return hit;
    const survivor = old.get(key);
    if (survivor === undefined) return undefined;
    old.delete(key);
    insert(key, survivor);
    return survivor;
  }

  return {
    get,
    set(key, value) {
      if (young.has(key)) young.set(key, value);
      else {
        old.delete(key);
        insert(key, value);
      }
    },
    addAbsent: insert,
    upsert(key, create) {
      const found = get(key);
      if (found !== undefined) return found;
      const created = create();
      insert(key, created);
      return created;
    },
    *values() {
      yield* young.values();
      yield* old.values();
    },
    get size() {
      return young.size + old.size;
    },
    get evicted() {
      return evicted;
    },
  };
}
