/**
 * The storage under the capped map: string keys in one open-addressing table with linear probing,
 * each slot holding the key's 32-bit hash and a small tag (the capped map's generation) side by
 * side in one typed array, the key and value beside each other in one array. Looking up a key
 * the table has never seen, the common case on the decision path, reads one or two slots of the
 * typed array: one cache line. Slots are never deleted one by one; `dropTagsBelow` empties many
 * in one pass, so a probe still stops at the first empty slot.
 *
 * A table may also keep a few numbers per slot in a `Float64Array` (`numbersPerSlot`): counters
 * kept there instead of in an object per key leave nothing for the garbage collector to copy and
 * trace, which a table of 100,000 live counters would otherwise cost on every collection.
 *
 * A table made with `holdsKeys` false keeps a second 32-bit hash of each key (its check) beside
 * the first instead of the key: a key is the one whose hash and check both match. The decision
 * path's keys are strings made by the request (its phone hash, IP, subnet, session, device), and
 * holding them kept every one of them alive for the collector to copy, promote and trace: a
 * sixth of the decision path's CPU in a loop (bench/RESULTS.md).
 */
export class SlotTable {
  /** Slots in use, never above half the slots: at half full a miss reads 2.5 slots on average. */
  count = 0;
  private slotCount = FIRST_SLOTS;
  /** The hash at 3 * slot, the tag at 3 * slot + 1, the check at 3 * slot + 2. */
  private slots = new Int32Array(FIRST_SLOTS * SLOT_STRIDE);
  /** The key (undefined unless `holdsKeys`) at 2 * slot, the value at 2 * slot + 1. */
  private entries: unknown[] = new Array<unknown>(FIRST_SLOTS * 2).fill(undefined);
  /** The slot's numbers from `numbersPerSlot * slot`, all 0 in an empty slot. */
  private numbers: Float64Array;

  constructor(
    private readonly numbersPerSlot = 0,
    private readonly holdsKeys = true,
  ) {
    this.numbers = new Float64Array(FIRST_SLOTS * numbersPerSlot);
  }

  /**
   * The slot holding `key`, or the complement (~) of the empty slot where it would go. `check` is
   * the key's second hash, compared instead of the key when the table does not hold keys.
   */
  find(key: string, hash: number, check: number): number {
    const mask = this.slotCount - 1;
    const { slots, entries } = this;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      if (slots[slot * SLOT_STRIDE + 1] === EMPTY_TAG) return ~slot;
      if (slots[slot * SLOT_STRIDE] === hash && (this.holdsKeys ? entries[slot * 2] === key : slots[slot * SLOT_STRIDE + 2] === check)) {
        return slot;
      }
    }
  }

  tagAt(slot: number): number {
    return this.slots[slot * SLOT_STRIDE + 1]!;
  }

  retag(slot: number, tag: number): void {
    this.slots[slot * SLOT_STRIDE + 1] = tag;
  }

  valueAt(slot: number): unknown {
    return this.entries[slot * 2 + 1];
  }

  setValue(slot: number, value: unknown): void {
    this.entries[slot * 2 + 1] = value;
  }

  /** Number `index` (below `numbersPerSlot`) of the key in `slot`. */
  numberAt(slot: number, index: number): number {
    return this.numbers[slot * this.numbersPerSlot + index]!;
  }

  setNumber(slot: number, index: number, value: number): void {
    this.numbers[slot * this.numbersPerSlot + index] = value;
  }

  /**
   * Adds a key that `find` just missed, its numbers all 0, and returns its slot; `tag` must be
   * above 0, the tag of an empty slot.
   */
  add(key: string, hash: number, check: number, tag: number, value: unknown): number {
    if ((this.count + 1) * SLOTS_PER_KEY > this.slotCount) this.grow(this.slotCount * 2);
    const slot = ~this.find(key, hash, check);
    this.slots[slot * SLOT_STRIDE] = hash;
    this.slots[slot * SLOT_STRIDE + 1] = tag;
    this.slots[slot * SLOT_STRIDE + 2] = check;
    if (this.holdsKeys) this.entries[slot * 2] = key;
    this.entries[slot * 2 + 1] = value;
    this.count++;
    return slot;
  }

  *values(): IterableIterator<unknown> {
    for (let slot = 0; slot < this.slotCount; slot++) if (this.tagAt(slot) !== EMPTY_TAG) yield this.valueAt(slot);
  }

  /**
   * Empties the slots tagged below `keepFrom` in place: two passes over the slots, in order, with
   * no allocation. Emptied slots would cut the probe path of keys placed past them, so the second
   * pass, starting after an empty slot, moves each key back to the first empty slot on its path
   * from its home: keys only move back, and every path stays unbroken.
   */
  dropTagsBelow(keepFrom: number): void {
    const mask = this.slotCount - 1;
    const { slots } = this;
    let start = -1;
    for (let slot = 0; slot < this.slotCount; slot++) {
      const tag = slots[slot * SLOT_STRIDE + 1]!;
      if (tag !== EMPTY_TAG && tag < keepFrom) {
        this.clear(slot);
        this.count--;
      }
      if (start < 0 && slots[slot * SLOT_STRIDE + 1] === EMPTY_TAG) start = slot;
    }
    for (let step = 1; step <= this.slotCount; step++) {
      const slot = (start + step) & mask;
      if (slots[slot * SLOT_STRIDE + 1] === EMPTY_TAG) continue;
      let to = slots[slot * SLOT_STRIDE]! & mask;
      while (to !== slot && slots[to * SLOT_STRIDE + 1] !== EMPTY_TAG) to = (to + 1) & mask;
      if (to === slot) continue;
      this.copy(slots, this.entries, this.numbers, slot, to);
      this.clear(slot);
    }
  }

  /** Moves every key into `slotCount` slots, as the table fills up. */
  private grow(slotCount: number): void {
    const fromSlots = this.slots;
    const fromEntries = this.entries;
    const fromNumbers = this.numbers;
    this.slotCount = slotCount;
    this.slots = new Int32Array(slotCount * SLOT_STRIDE);
    this.entries = new Array<unknown>(slotCount * 2).fill(undefined);
    this.numbers = new Float64Array(slotCount * this.numbersPerSlot);
    const mask = slotCount - 1;
    for (let from = 0; from < fromSlots.length / SLOT_STRIDE; from++) {
      if (fromSlots[from * SLOT_STRIDE + 1] === EMPTY_TAG) continue;
      // The keys are distinct already: each goes to the first empty slot from its home, unread.
      let to = fromSlots[from * SLOT_STRIDE]! & mask;
      while (this.slots[to * SLOT_STRIDE + 1] !== EMPTY_TAG) to = (to + 1) & mask;
      this.copy(fromSlots, fromEntries, fromNumbers, from, to);
    }
  }

  private copy(fromSlots: Int32Array, fromEntries: unknown[], fromNumbers: Float64Array, from: number, to: number): void {
    this.slots[to * SLOT_STRIDE] = fromSlots[from * SLOT_STRIDE]!;
    this.slots[to * SLOT_STRIDE + 1] = fromSlots[from * SLOT_STRIDE + 1]!;
    this.slots[to * SLOT_STRIDE + 2] = fromSlots[from * SLOT_STRIDE + 2]!;
    this.entries[to * 2] = fromEntries[from * 2];
    this.entries[to * 2 + 1] = fromEntries[from * 2 + 1];
    const width = this.numbersPerSlot;
    for (let i = 0; i < width; i++) this.numbers[to * width + i] = fromNumbers[from * width + i]!;
  }

  private clear(slot: number): void {
    this.slots[slot * SLOT_STRIDE] = 0;
    this.slots[slot * SLOT_STRIDE + 1] = EMPTY_TAG;
    this.slots[slot * SLOT_STRIDE + 2] = 0;
    this.entries[slot * 2] = undefined;
    this.entries[slot * 2 + 1] = undefined;
    // A loop rather than `fill`: a turnover clears tens of thousands of slots of two or three numbers.
    for (let i = slot * this.numbersPerSlot; i < (slot + 1) * this.numbersPerSlot; i++) this.numbers[i] = 0;
  }
}

/** The tag of an empty slot. */
export const EMPTY_TAG = 0;
const FIRST_SLOTS = 16;
/** Slots per key held at most. */
const SLOTS_PER_KEY = 2;
/** Each slot's numbers in `slots`: the key's hash, its tag, then its check. */
const SLOT_STRIDE = 3;
