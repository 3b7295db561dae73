import { EMPTY_TAG, SlotTable } from './slot-table.ts';
import { hashString } from './string-hash.ts';

/**
 * A map with a hard cap on keys, for per-phone, per-IP and per-session counters that attackers can
 * make arbitrarily many of, and for the caches of hot lookups on the ingest path (number blocks).
 * Two generations instead of a strict LRU: when the young generation is full, the old one is
 * dropped whole. Keys touched since the last turnover move to the young generation, so the working
 * set survives the way it would in an LRU.
 *
 * Both generations live in one open-addressing table (`SlotTable`), each key tagged with its
 * generation: the decision path looks up keys it has mostly never seen (a new phone, IP, /24,
 * session and device per request), and a miss then reads one cache line where a `Map` per
 * generation walked a bucket chain in each of two maps. A turnover empties the old generation's
 * slots in place.
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
   * Saves the caller the `create` closure of `upsert`.
   */
  addAbsent(key: string, value: V): void;
  values(): IterableIterator<V>;
  readonly size: number;
  /** Keys dropped by the cap since creation. */
  readonly evicted: number;
}

export interface CappedMapOptions {
  /**
   * The 32-bit hash that places a key. By default a hash seeded at random per map, so that
   * nobody can choose keys that pile up on one slot; a test passes a poor one to force collisions.
   */
  hashKey?: (key: string) => number;
}

/** Two generations share the cap, so a turnover never leaves more than `maxKeys` entries. */
const GENERATIONS = 2;

export function createCappedMap<V>(maxKeys: number, options: CappedMapOptions = {}): CappedMap<V> {
  if (!Number.isInteger(maxKeys) || maxKeys < GENERATIONS) {
    throw new RangeError(`maxKeys must be an integer >= ${GENERATIONS}, got ${maxKeys}`);
  }
  const generationCap = Math.floor(maxKeys / GENERATIONS);
  const seed = randomSeed();
  const hashKey = options.hashKey ?? ((key: string) => hashString(key, seed));
  const table = new SlotTable();
  // Each key's tag is its generation; the old generation is `young - 1`, kept above the empty tag.
  let young = EMPTY_TAG + 2;
  let youngSize = 0;
  let evicted = 0;
  // A miss is usually followed by the addition of the same key: its hash is kept for it.
  let lastKey: string | undefined;
  let lastHash = 0;

  function hashOf(key: string): number {
    if (key !== lastKey) {
      lastKey = key;
      lastHash = hashKey(key) | 0;
    }
    return lastHash;
  }

  /**
   * The young generation becomes the old one and the old one is dropped. A slot already tagged
   * with the next generation (a key moving up as the turnover happens) survives as young.
   */
  function turnover(): void {
    const held = table.count;
    table.dropTagsBelow(young);
    evicted += held - table.count;
    young++;
    youngSize = 0;
  }

  function insert(key: string, value: unknown): void {
    if (youngSize >= generationCap) turnover();
    table.add(key, hashOf(key), young, value);
    youngSize++;
  }

  /** Moves the old key in `slot` to the young generation, as touching it since the turnover does. */
  function promote(slot: number): void {
    if (youngSize >= generationCap) {
      table.retag(slot, young + 1);
      turnover();
    } else table.retag(slot, young);
    youngSize++;
  }

  function get(key: string): V | undefined {
    const slot = table.find(key, hashOf(key));
    if (slot < 0) return undefined;
    const value = table.valueAt(slot) as V;
    // After the read: a turnover may move keys to other slots.
    if (table.tagAt(slot) !== young) promote(slot);
    return value;
  }

  return {
    get,
    set(key, value) {
      const slot = table.find(key, hashOf(key));
      if (slot < 0) return insert(key, value);
      if (table.tagAt(slot) !== young) {
        promote(slot);
        // The slot may have moved in a turnover: found again.
        table.setValue(table.find(key, hashOf(key)), value);
      } else table.setValue(slot, value);
    },
    addAbsent: insert,
    upsert(key, create) {
      const found = get(key);
      if (found !== undefined) return found;
      const created = create();
      insert(key, created);
      return created;
    },
    values: () => table.values() as IterableIterator<V>,
    get size() {
      return table.count;
    },
    get evicted() {
      return evicted;
    },
  };
}

function randomSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
}
