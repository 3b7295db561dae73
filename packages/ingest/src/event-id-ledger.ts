import type { EventKind } from '@tollgate/events';

/**
 * What the deployment knows of an event id a flush wants to write: `claimed` (this flush writes
 * it), `stored` (stored within the window, by any node: a duplicate), `in_flight` (another node's
 * flush is writing it now: it may fail, so it is not yet a duplicate).
 */
export type IdClaim = 'claimed' | 'stored' | 'in_flight';

/**
 * Event ids shared by the ingest nodes of a deployment (Redis with `REDIS_URL`), so a batch a
 * collector retries against another node is recognised there. An id is claimed for a flush
 * before its insert, kept for the dedup window once the insert is durable, and released if the
 * insert fails: a failed write never makes its retry look like a duplicate.
 */
export interface EventIdLedger {
  /** One answer per id, in order. A ledger that cannot reach its store answers `claimed` (per-node dedup only). */
  claim(kind: EventKind, ids: readonly string[]): Promise<IdClaim[]>;
  /** The ids' insert is durable: they are duplicates everywhere for the window. */
  commit(kind: EventKind, ids: readonly string[]): Promise<void>;
  /** The ids' insert failed: another attempt, here or elsewhere, may claim them. */
  release(kind: EventKind, ids: readonly string[]): Promise<void>;
}

/** Another node kept writing some of the flush's events past the wait: the collector retries later. */
export class EventsInFlightError extends Error {
  constructor(count: number) {
    super(`${count} events of this batch are being written by another node: retry`);
    this.name = 'EventsInFlightError';
  }
}

// How long a flush waits for another node's write of the same events to end (an insert takes
// milliseconds to seconds), and how often it asks.
const IN_FLIGHT_WAIT_MS = 5_000;
const IN_FLIGHT_POLL_MS = 50;

/**
 * Claims a flush's ids, kind by kind, and answers those to drop as duplicates. Ids another node is
 * writing are asked again until they are stored or released; past the wait, the claims are
 * released and the flush fails with `EventsInFlightError`, so nothing is acknowledged twice or lost.
 */
export async function claimFlush(
  ledger: EventIdLedger,
  idsByKind: ReadonlyMap<EventKind, readonly string[]>,
  wait: (ms: number) => Promise<void>,
): Promise<Map<EventKind, Set<string>>> {
  const duplicates = new Map<EventKind, Set<string>>();
  const claimed = new Map<EventKind, string[]>();
  let waitedMs = 0;
  for (const [kind, ids] of idsByKind) {
    let asking = ids;
    const mine: string[] = [];
    const stored = new Set<string>();
    while (asking.length > 0) {
      const answers = await ledger.claim(kind, asking);
      const again: string[] = [];
      asking.forEach((id, i) => {
        if (answers[i] === 'claimed') mine.push(id);
        else if (answers[i] === 'stored') stored.add(id);
        else again.push(id);
      });
      asking = again;
      if (asking.length === 0) break;
      if (waitedMs >= IN_FLIGHT_WAIT_MS) {
        claimed.set(kind, mine);
        for (const [k, ids] of claimed) await ledger.release(k, ids);
        throw new EventsInFlightError(asking.length);
      }
      await wait(IN_FLIGHT_POLL_MS);
      waitedMs += IN_FLIGHT_POLL_MS;
    }
    claimed.set(kind, mine);
    duplicates.set(kind, stored);
  }
  return duplicates;
}
