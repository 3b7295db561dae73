import { createCappedSlots, type CappedMapOptions, type CappedSlots } from '@tollgate/vocabulary';
import { SlidingWindow } from './sliding-window.ts';

/** The counter operations the velocity rules read and write, on one key's window. */
export interface WindowCounter {
  count(nowMs: number): number;
  add(nowMs: number): void;
  msUntilRoomFor(nowMs: number, max: number): number;
}

/** Each key's numbers in the slot table. */
const NEWEST_BUCKET = 0;
const SENT = 1;
const NUMBERS_PER_KEY = 2;

/**
 * Sliding-window send counters of one velocity rule, one per key (phone hash, IP, subnet,
 * account), capped like a `CappedMap<SlidingWindow>` and answering alike, but with each counter's
 * newest bucket and total kept in the slot table's numbers instead of a `SlidingWindow` per key.
 * Most keys are sent to once in a window (a new phone, IP and subnet per allowed send), so an
 * allowed send adds no object for the garbage collector; a key whose sends span two buckets keeps
 * its per-bucket counts array in the table's value, as `SlidingWindow` does.
 *
 * `at(slot)` chooses the key that the `WindowCounter` methods act on: the table is its own
 * cursor, so reading a counter allocates nothing. A slot stays good until the next `find` or
 * `addKey`, and the cursor until the next `at`.
 */
export class WindowTable implements WindowCounter {
  private readonly slots: CappedSlots;
  /** Does the arithmetic of whichever key `at` chose: every key of a table has the same window. */
  private readonly window: SlidingWindow;
  private slot = -1;
  /** The per-bucket array `load` found in the slot, so that `store` writes it back only when made. */
  private loadedCounts: number[] | undefined = undefined;

  constructor(maxKeys: number, windowMs: number, options?: CappedMapOptions) {
    // Made per request and never read back: fingerprinted, not held (see `fingerprintKeys`).
    this.slots = createCappedSlots(maxKeys, NUMBERS_PER_KEY, { fingerprintKeys: true, ...options });
    this.window = new SlidingWindow(windowMs);
  }

  /** The slot of `key`'s counter, touched as a capped map's `get` touches a key, or -1. */
  find(key: string): number {
    return this.slots.find(key);
  }

  /** Adds an empty counter for `key`, which a `find` just missed: its slot. */
  addKey(key: string): number {
    const slot = this.slots.add(key, undefined);
    this.slots.table.setNumber(slot, NEWEST_BUCKET, Number.NEGATIVE_INFINITY);
    return slot;
  }

  /** The slot of `key`'s counter, added empty when missing. */
  slotFor(key: string): number {
    const slot = this.find(key);
    return slot >= 0 ? slot : this.addKey(key);
  }

  at(slot: number): WindowCounter {
    this.slot = slot;
    return this;
  }

  count(nowMs: number): number {
    const window = this.load();
    const sent = window.count(nowMs);
    this.store();
    return sent;
  }

  /** Counts a send at `nowMs`. */
  add(nowMs: number): void {
    this.load().add(nowMs);
    this.store();
  }

  msUntilRoomFor(nowMs: number, max: number): number {
    const waitMs = this.load().msUntilRoomFor(nowMs, max);
    this.store();
    return waitMs;
  }

  get size(): number {
    return this.slots.size;
  }

  get evicted(): number {
    return this.slots.evicted;
  }

  /** The window holding the chosen key's counter; `store` keeps what it became. */
  private load(): SlidingWindow {
    const { table } = this.slots;
    const slot = this.slot;
    this.loadedCounts = table.valueAt(slot) as number[] | undefined;
    this.window.load(table.numberAt(slot, NEWEST_BUCKET), table.numberAt(slot, SENT), this.loadedCounts);
    return this.window;
  }

  private store(): void {
    const { table } = this.slots;
    table.setNumber(this.slot, NEWEST_BUCKET, this.window.newestBucket);
    table.setNumber(this.slot, SENT, this.window.sent);
    // The per-bucket array is made once in a key's life, if ever: the table's value is written only then.
    const counts = this.window.bucketCounts;
    if (counts !== this.loadedCounts) table.setValue(this.slot, counts);
  }
}
