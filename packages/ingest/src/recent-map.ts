/**
 * A map that remembers recent entries only: entries live in generations, a new generation starts
 * when the current one is older than `generationMs` or holds `maxEntries / generations` entries,
 * and the oldest generation is dropped when there are more than `generations`. Lookups cost one
 * Map probe per generation; memory is bounded by `maxEntries`.
 */
export interface RecentMapOptions {
  /** How long an entry is kept at least, unless the size bound forces it out earlier. */
  windowMs: number;
  maxEntries: number;
  generations?: number;
  clock: () => number;
}

export class RecentMap<V> {
  private readonly generationMs: number;
  private readonly generationCap: number;
  private readonly generationCount: number;
  private readonly clock: () => number;
  private gens: { startedMs: number; map: Map<string, V> }[] = [];
  /** Entries dropped by the size bound before their window ended (a sign the bound is too small). */
  evictedEarly = 0;

  constructor(options: RecentMapOptions) {
    this.generationCount = options.generations ?? 4;
    this.generationMs = Math.max(1, Math.floor(options.windowMs / (this.generationCount - 1)));
    this.generationCap = Math.max(1, Math.floor(options.maxEntries / this.generationCount));
    this.clock = options.clock;
    this.gens = [{ startedMs: this.clock(), map: new Map() }];
  }

  get(key: string): V | undefined {
    for (let i = this.gens.length - 1; i >= 0; i--) {
      const value = this.gens[i]!.map.get(key);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    let current = this.gens[this.gens.length - 1]!;
    const now = this.clock();
    if (current.map.size >= this.generationCap || now - current.startedMs >= this.generationMs) {
      current = { startedMs: now, map: new Map() };
      this.gens.push(current);
      if (this.gens.length > this.generationCount) {
        const dropped = this.gens.shift()!;
        if (now - dropped.startedMs < this.generationMs * (this.generationCount - 1)) this.evictedEarly += dropped.map.size;
      }
    }
    current.map.set(key, value);
  }

  get size(): number {
    let total = 0;
    for (const gen of this.gens) total += gen.map.size;
    return total;
  }
}
