/**
 * Collects the events of every session that starts in one minute, with the ids and the sort key
 * that make the output independent of how the time axis is cut into windows: an event's identity
 * and position depend only on (seed, minute, session index, its rank in the session).
 */
import type { SimBilling, SimEvent, SimReceipt, SimSend, SimVerify } from '../sim-event.ts';
import { MS_PER_HOUR, MS_PER_MINUTE } from './time.ts';

/** An event waiting for its arrival time, with the key that orders ties deterministically. */
export interface PendingEvent {
  atMs: number;
  minute: number;
  order: number;
  event: SimEvent;
}

/** A session writes at most this many events; the rest of the order key is the session index. */
export const MAX_EVENTS_PER_SESSION = 1_024;

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

export interface MinuteBatch {
  readonly minute: number;
  readonly events: PendingEvent[];
  openSession(sessionIndex: number, label: string | undefined): SessionLog;
}

export function createMinuteBatch(minute: number, seedTag: string): MinuteBatch {
  const events: PendingEvent[] = [];
  const minuteTag = minute.toString(36);
  const latestMs = minute * MS_PER_MINUTE + CONSEQUENCE_HORIZON_MS;

  const openSession = (sessionIndex: number, label: string | undefined): SessionLog => {
    const sessionTag = `${seedTag}-${minuteTag}-${sessionIndex.toString(36)}`;
    let idCount = 0;
    let eventCount = 0;
    const add = (event: SimEvent): void => {
      const atMs = event.body.ts;
      // A bug guard, not validation: the window logic is only exact if no event outlives the horizon.
      if (atMs >= latestMs || eventCount >= MAX_EVENTS_PER_SESSION) {
        throw new RangeError(`session ${sessionTag} emitted an event outside its horizon or budget`);
      }
      events.push({ atMs, minute, order: sessionIndex * MAX_EVENTS_PER_SESSION + eventCount, event });
      eventCount += 1;
    };
    return {
      sessionId: `ses-${sessionTag}`,
      sessionIndex,
      eventId: (tag) => `${tag}-${sessionTag}-${(idCount++).toString(36)}`,
      send: (body) => add(label === undefined ? { kind: 'send', body } : { kind: 'send', body, label }),
      verify: (body) => add(label === undefined ? { kind: 'verify', body } : { kind: 'verify', body, label }),
      receipt: (body) => add(label === undefined ? { kind: 'receipt', body } : { kind: 'receipt', body, label }),
      billing: (body) => add(label === undefined ? { kind: 'billing', body } : { kind: 'billing', body, label }),
    };
  };

  return { minute, events, openSession };
}
