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
  /**
   * Keep a second 32-bit hash of each key, seeded apart from the first, instead of the key (see
   * `SlotTable`), for tables whose keys are made per request and would otherwise all be kept
   * alive. A new key is then taken for a held one when both hashes agree: with 100,000 keys held,
   * once in about 2 * 10^14 lookups (decades of a busy node's decisions), and nobody can aim for
   * it without the map's random seeds. For counters, where that adds one key's sends to
   * another's; not for a cache, which would hand one caller another's value.
   */
  fingerprintKeys?: boolean;
  /** The second hash of `fingerprintKeys`; by default seeded at random per map. Tests pass a fixed one. */
  checkKey?: (key: string) => number;
}

/** Two generations share the cap, so a turnover never leaves more than `maxKeys` entries. */
const GENERATIONS = 2;

/**
 * The capped map's generations over a slot table that the caller reads and writes by slot, for
 * counters kept in the table's numbers (`numbersPerSlot` per key) rather than in an object per key.
 * A slot stays the key's until the next `find` or `add` on the same table: either may turn the
 * generations over, which moves keys.
 */
export interface CappedSlots {
  readonly table: SlotTable;
  /** The slot of `key`, moved to the young generation as a `get` of the map does, or -1. */
  find(key: string): number;
  /** Adds `key`, which a `find` just missed, with `value` and its numbers all 0: its slot. */
  add(key: string, value: unknown): number;
  readonly size: number;
  /** Keys dropped by the cap since creation. */
  readonly evicted: number;
}

export function createCappedSlots(maxKeys: number, numbersPerSlot: number, options: CappedMapOptions = {}): CappedSlots {
  if (!Number.isInteger(maxKeys) || maxKeys < GENERATIONS) {
    throw new RangeError(`maxKeys must be an integer >= ${GENERATIONS}, got ${maxKeys}`);
  }
  const generationCap = Math.floor(maxKeys / GENERATIONS);
  const seed = randomSeed();
  const hashKey = options.hashKey ?? ((key: string) => hashString(key, seed));
  const fingerprints = options.fingerprintKeys === true;
  const checkSeed = randomSeed();
  const checkKey = options.checkKey ?? ((key: string) => hashString(key, checkSeed));
  const table = new SlotTable(numbersPerSlot, !fingerprints);
  // Each key's tag is its generation; the old generation is `young - 1`, kept above the empty tag.
  let young = EMPTY_TAG + 2;
  let youngSize = 0;
  let evicted = 0;
  // A miss is usually followed by the addition of the same key: its hashes are kept for it.
  let lastKey: string | undefined;
  let lastHash = 0;
  let lastCheck = 0;

  function hashOf(key: string): number {
    if (key !== lastKey) {
      lastKey = key;
      lastHash = hashKey(key) | 0;
      lastCheck = fingerprints ? checkKey(key) | 0 : 0;
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

  return {
    table,
    find(key) {
      const hash = hashOf(key);
      const slot = table.find(key, hash, lastCheck);
      if (slot < 0) return -1;
      if (table.tagAt(slot) === young) return slot;
      // An old key touched since the turnover moves to the young generation.
      if (youngSize < generationCap) {
        table.retag(slot, young);
        youngSize++;
        return slot;
      }
      table.retag(slot, young + 1);
      turnover();
      youngSize++;
      // The turnover moves keys: the slot is found again.
      return table.find(key, hash, lastCheck);
    },
    add(key, value) {
      if (youngSize >= generationCap) turnover();
      youngSize++;
      const hash = hashOf(key);
      return table.add(key, hash, lastCheck, young, value);
    },
    get size() {
      return table.count;
    },
    get evicted() {
      return evicted;
    },
  };
}

export function createCappedMap<V>(maxKeys: number, options: CappedMapOptions = {}): CappedMap<V> {
  const slots = createCappedSlots(maxKeys, 0, options);
  const { table } = slots;

  function get(key: string): V | undefined {
    const slot = slots.find(key);
    return slot < 0 ? undefined : (table.valueAt(slot) as V);
  }

  return {
    get,
    set(key, value) {
      const slot = slots.find(key);
      if (slot < 0) slots.add(key, value);
      else table.setValue(slot, value);
    },
    addAbsent(key, value) {
      slots.add(key, value);
    },
    upsert(key, create) {
      const found = get(key);
      if (found !== undefined) return found;
      const created = create();
      slots.add(key, created);
      return created;
    },
    values: () => table.values() as IterableIterator<V>,
    get size() {
      return slots.size;
    },
    get evicted() {
      return slots.evicted;
    },
  };
}

function randomSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]!;
}
