/**
 * Collects the events of every session that starts in one minute, with ids that make the output
 * independent of how the time axis is cut into windows: an event's identity depends only on
 * (seed, minute, session index, its rank in the session). Events are kept in generation order
 * (sessions by index, then their own order); ties in arrival time are broken by that order.
 */
import type { SimBilling, SimEvent, SimReceipt, SimSend, SimVerify } from '../sim-event.ts';
import { createFlatIdWriter } from '../format/flat-id-writer.ts';
import { MS_PER_HOUR, MS_PER_MINUTE } from './time.ts';

/** Ids are built synchronously, one at a time: one writer serves them all. */
const idWriter = createFlatIdWriter();

/**
 * Every consequence of a session arrives within this time of its minute's start: billing lines up
 * to 6 h after a send (the provider export lag this simulator models), sessions span at most a
 * few minutes (resends, slow verifies, brute-force attempts). The window logic looks back this far.
 */
export const CONSEQUENCE_HORIZON_MS = 6 * MS_PER_HOUR + 15 * MS_PER_MINUTE;

export interface SessionLog {
  readonly sessionId: string;
  readonly sessionIndex: number;
  /** A fresh event id of this session, e.g. `snd-<seed>-<minute>-<session>-0`. */
  eventId(tag: 'snd' | 'vfy' | 'rcp'): string;
  send(body: SimSend): void;
  verify(body: SimVerify): void;
  receipt(body: SimReceipt): void;
  billing(body: SimBilling): void;
}

/**
 * Each source of sessions (the baseline, then each scenario in order) numbers its sessions of a
 * minute in its own range of this size, so sources never share a session id.
 */
export const SESSIONS_PER_SOURCE = 1_000_000;

export interface MinuteBatch {
  /** In generation order. */
  readonly events: SimEvent[];
  /** Arrival time of each event, parallel to `events` (kept apart: event bodies differ in shape). */
  readonly arrivalsMs: number[];
  openSession(sessionIndex: number, label: string | undefined): SessionLog;
}

/**
 * A class rather than closures: a simulated day opens about 300 000 sessions, and per-session
 * closures (renamed by tsx's keepNames transform) cost more than the rest of the session.
 */
class MinuteSessionLog implements SessionLog {
  readonly sessionId: string;
  private idCount = 0;

  constructor(
    readonly sessionIndex: number,
    private readonly sessionTag: string,
    private readonly batch: MinuteBatch,
    private readonly latestMs: number,
    private readonly label: string | undefined,
  ) {
    this.sessionId = idWriter.text('ses-').text(sessionTag).done();
  }

  eventId(tag: 'snd' | 'vfy' | 'rcp'): string {
    const id = idWriter.text(tag).text('-').text(this.sessionTag).text('-').decimal(this.idCount).done();
    this.idCount += 1;
    return id;
  }

  send(body: SimSend): void {
    this.add(this.label === undefined ? { kind: 'send', body } : { kind: 'send', body, label: this.label }, body.ts);
  }

  verify(body: SimVerify): void {
    this.add(this.label === undefined ? { kind: 'verify', body } : { kind: 'verify', body, label: this.label }, body.ts);
  }

  receipt(body: SimReceipt): void {
    this.add(this.label === undefined ? { kind: 'receipt', body } : { kind: 'receipt', body, label: this.label }, body.ts);
  }

  billing(body: SimBilling): void {
    this.add(this.label === undefined ? { kind: 'billing', body } : { kind: 'billing', body, label: this.label }, body.ts);
  }

  private add(event: SimEvent, atMs: number): void {
    // A bug guard, not validation: the window logic is only exact if no event outlives the horizon.
    if (atMs >= this.latestMs) {
      throw new RangeError(`session ${this.sessionTag} emitted an event after its consequence horizon`);
    }
    this.batch.events.push(event);
    this.batch.arrivalsMs.push(atMs);
  }
}

export function createMinuteBatch(minute: number, seedTag: string): MinuteBatch {
  const minuteTag = `${seedTag}-${minute.toString(36)}-`;
  const latestMs = minute * MS_PER_MINUTE + CONSEQUENCE_HORIZON_MS;
  const batch: MinuteBatch = {
    events: [],
    arrivalsMs: [],
    openSession: (sessionIndex, label) =>
      new MinuteSessionLog(sessionIndex, idWriter.text(minuteTag).text(sessionIndex.toString(36)).done(), batch, latestMs, label),
  };
  return batch;
}
