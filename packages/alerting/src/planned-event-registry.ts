/**
 * Planned events in the store, held in memory for routing: declared through the API, ended early
 * by hand or by their own end. The detector reads them from the store itself every cycle.
 */
import { randomUUID } from 'node:crypto';
import { fromPlannedEventRecord, parsePlannedEvent, toPlannedEventRecord, type PlannedEvent } from '@tollgate/detector';
import { plannedEventsBetween, savePlannedEvent, type Store } from '@tollgate/store';

type Draft = Omit<PlannedEvent, 'id' | 'author' | 'createdAt' | 'owner'> & { owner?: string };

export type PlannedEventResult =
  { ok: true; event: PlannedEvent } | { ok: false; status: 400 | 404; errors: Array<{ field: string; reason: string }> };

export interface PlannedEventRegistry {
  /** Re-reads the events not ended yet: ones declared through another instance count too. */
  refresh(): Promise<void>;
  /** Events not ended (upcoming ones included), earliest first, as last read. */
  list(): PlannedEvent[];
  /** Events in effect now. */
  active(): PlannedEvent[];
  create(draft: Draft, input: { author: string; owners: readonly string[] }): Promise<PlannedEventResult>;
  /** Ends an event now; it stays on record. */
  end(id: string): Promise<PlannedEventResult>;
}

// Store versions: the first declaration is 1, each change one more.
const FIRST_VERSION = 1;

export function createPlannedEventRegistry(deps: { store: Store; clock: () => number }): PlannedEventRegistry {
  let events: Array<PlannedEvent & { version: number }> = [];
  // Far enough ahead for any event declared today (they last at most 30 days, and start when they like).
  const horizon = () => deps.clock() + 400 * 86_400_000;

  async function refresh(): Promise<void> {
    const records = await plannedEventsBetween(deps.store, deps.clock(), horizon());
    events = records.map((record) => ({ ...fromPlannedEventRecord(record), version: record.version }));
  }

  const strip = ({ version: _version, ...event }: PlannedEvent & { version: number }): PlannedEvent => event;

  return {
    refresh,
    list: () => events.filter((event) => event.endsAt > deps.clock()).map(strip),
    active: () => {
      const now = deps.clock();
      return events.filter((event) => event.startsAt <= now && now < event.endsAt).map(strip);
    },

    async create(draft, input) {
      const now = deps.clock();
      const parsed = parsePlannedEvent({ ...draft, id: `plan_${randomUUID()}`, author: input.author, createdAt: now }, input.owners, now);
      if (!parsed.ok) return { ok: false, status: 400, errors: parsed.errors };
      await savePlannedEvent(deps.store, toPlannedEventRecord(parsed.event, FIRST_VERSION));
      events = [...events, { ...parsed.event, version: FIRST_VERSION }];
      return { ok: true, event: parsed.event };
    },

    async end(id) {
      await refresh();
      const current = events.find((event) => event.id === id);
      if (current === undefined)
        return { ok: false, status: 404, errors: [{ field: 'id', reason: `no planned event ${id} that has not ended` }] };
      const now = deps.clock();
      const ended = { ...current, startsAt: Math.min(current.startsAt, now - 1), endsAt: now, version: current.version + 1 };
      await savePlannedEvent(deps.store, toPlannedEventRecord(ended, ended.version));
      events = events.filter((event) => event.id !== id);
      return { ok: true, event: strip(ended) };
    },
  };
}
