/** Aggregations the simulator tests assert on: sessions, conversion, volumes per scope. */
import type { SimEvent, SimSend, Simulator } from '../../src/index.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Monday 3 March 2025, 00:00 UTC. */
export const MONDAY_MS = Date.UTC(2025, 2, 3);

export function collect(sim: Simulator, fromMs: number, toMs: number): SimEvent[] {
  return [...sim.generate(fromMs, toMs)];
}

export function sendsOf(events: readonly SimEvent[]): SimSend[] {
  return events.flatMap((event) => (event.kind === 'send' ? [event.body] : []));
}

export interface SessionStats {
  sessions: number;
  converted: number;
  conversion: number;
  sends: number;
}

/** Conversion of the sessions whose first send matches `inScope`: verified sessions / sessions sent. */
export function sessionStats(events: readonly SimEvent[], inScope: (send: SimSend) => boolean = () => true): SessionStats {
  const sessions = new Set<string>();
  const converted = new Set<string>();
  let sends = 0;
  for (const event of events) {
    if (event.kind === 'send' && inScope(event.body)) {
      sessions.add(event.body.session_id);
      sends += 1;
    }
  }
  for (const event of events) {
    if (event.kind === 'verify' && event.body.success && sessions.has(event.body.session_id)) {
      converted.add(event.body.session_id);
    }
  }
  return {
    sessions: sessions.size,
    converted: converted.size,
    conversion: sessions.size === 0 ? 0 : converted.size / sessions.size,
    sends,
  };
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
