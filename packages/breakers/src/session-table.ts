import { createCappedSlots, type CappedMapOptions, type CappedSlots } from '@tollgate/vocabulary';

/** One verification session's sends, as the resend ladder reads them. */
export interface SessionSends {
  firstSendMs: number;
  lastSendMs: number;
  sends: number;
}

/** Each session's numbers in the slot table. */
const FIRST_SEND_MS = 0;
const LAST_SEND_MS = 1;
const SENDS = 2;
const NUMBERS_PER_KEY = 3;

/**
 * The sends of each session id, capped like a `CappedMap<SessionSends>` and answering alike, with
 * each session's three numbers kept in the slot table instead of an object per session: a new
 * session per allowed send then adds no object for the garbage collector. A slot stays good until
 * the next `find` or `addKey`.
 */
export class SessionTable {
  private readonly slots: CappedSlots;
  /** What `read` gives: one object for every session, filled on each read. */
  private readonly sends: SessionSends = { firstSendMs: 0, lastSendMs: 0, sends: 0 };

  constructor(maxKeys: number, options?: CappedMapOptions) {
    // Made per request and never read back: fingerprinted, not held (see `fingerprintKeys`).
    this.slots = createCappedSlots(maxKeys, NUMBERS_PER_KEY, { fingerprintKeys: true, ...options });
  }

  /** The slot of `sessionId`, touched as a capped map's `get` touches a key, or -1. */
  find(sessionId: string): number {
    return this.slots.find(sessionId);
  }

  /** Adds a session with no sends, which a `find` just missed: its slot. */
  addKey(sessionId: string): number {
    return this.slots.add(sessionId, undefined);
  }

  /** The slot of `sessionId`, added with no sends when missing. */
  slotFor(sessionId: string): number {
    const slot = this.find(sessionId);
    return slot >= 0 ? slot : this.addKey(sessionId);
  }

  /** The sends of the session in `slot`, in an object the table fills again on the next `read`. */
  read(slot: number): SessionSends {
    const { table } = this.slots;
    this.sends.firstSendMs = table.numberAt(slot, FIRST_SEND_MS);
    this.sends.lastSendMs = table.numberAt(slot, LAST_SEND_MS);
    this.sends.sends = table.numberAt(slot, SENDS);
    return this.sends;
  }

  write(slot: number, sends: SessionSends): void {
    const { table } = this.slots;
    table.setNumber(slot, FIRST_SEND_MS, sends.firstSendMs);
    table.setNumber(slot, LAST_SEND_MS, sends.lastSendMs);
    table.setNumber(slot, SENDS, sends.sends);
  }

  get size(): number {
    return this.slots.size;
  }

  get evicted(): number {
    return this.slots.evicted;
  }
}
