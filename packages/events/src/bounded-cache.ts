/**
 * A size-bounded cache for hot lookups (phone number blocks, IP subnets) on the ingest path.
 *
 * Two generations instead of a strict LRU: a hit costs one or two Map lookups and no reordering,
 * and when the young generation fills up the old one is dropped whole. Entries used since the last
 * turnover survive it (they are promoted on read), so the cache keeps the working set like an LRU
 * does, without the delete-and-reinsert per hit that makes a Map-based LRU slow under churn.
 */
export interface BoundedCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  readonly size: number;
}

export function createBoundedCache<V>(maxEntries: number): BoundedCache<V> {
  if (!Number.isInteger(maxEntries) || maxEntries < 2) {
    throw new RangeError(`maxEntries must be an integer >= 2, got ${maxEntries}`);
  }
  const generationSize = Math.floor(maxEntries / 2);
  let young = new Map<string, V>();
  let old = new Map<string, V>();

  function set(key: string, value: V): void {
    if (young.size >= generationSize) {
      old = young;
      young = new Map();
    }
    young.set(key, value);
  }

  return {
    get(key) {
      const hit = young.get(key);
      if (hit !== undefined) return hit;
      const survivor = old.get(key);
      if (survivor !== undefined) set(key, survivor);
      return survivor;
    },
    set,
    get size() {
      return young.size + old.size;
    },
  };
}
