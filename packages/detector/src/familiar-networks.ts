/**
 * The access networks a destination country's own people use: those someone verified a code from,
 * into that country, in the last week. People ask for codes to their own phones from their carrier
 * or their home ISP, and they verify; a proxy pool that pumps a country's numbers rents home
 * connections all over the world, and its numbers never verify. So a network nobody verified from
 * stays unfamiliar for as long as it only pumps, and one verified session (a traveller, a new
 * carrier's first customer) makes it familiar for a week.
 *
 * The record says which networks turned familiar or unfamiliar since it was last asked, so the
 * tallies of unfamiliar sessions (`unfamiliar-tallies.ts`) change only where a network did. A
 * network waits for its expiry in the bucket of the minute it was noted in; when the bucket comes
 * due, a network verified from since then moves to the bucket of its latest verified session
 * instead of being queued again at every verified session.
 */
import type { MinuteCell } from './traffic-book.ts';
import { MS_PER_DAY, MS_PER_MINUTE } from './traffic-book.ts';

/** A week: every weekday and weekend hour of a country's usual networks has been seen in it. */
export const FAMILIAR_MS = 7 * MS_PER_DAY;

/** A destination country and a client network. */
export interface CountryNetwork {
  country: string;
  asn: number;
}

export interface FamiliarNetworks {
  /** Notes the networks that carried verified sessions into their country at `minuteMs`. */
  record(minuteMs: number, cells: readonly MinuteCell[]): void;
  /** Warm-up: a network that carried verified sessions into a country in the hour starting at `hourMs`. */
  recordHour(hourMs: number, country: string, asn: number, verifiedSessions: number): void;
  /** Whether someone verified from `asn` into `country` in the week before `nowMs`. */
  isFamiliar(country: string, asn: number, nowMs: number): boolean;
  /**
   * Forgets the networks not verified from in the week before `nowMs`, and hands over those that
   * turned familiar or were forgotten since the last call (each at most once; ask `isFamiliar`).
   */
  changesAt(nowMs: number): CountryNetwork[];
}

/** Creates an empty record; the engine fills it from the minutes it steps over and the warm-up hours. */
export function createFamiliarNetworks(): FamiliarNetworks {
  /** Per country, per ASN: the latest minute (or hour) a session verified. */
  const lastVerified = new Map<string, Map<number, number>>();
  /** Each noted network once, by the minute its expiry is next looked at. */
  const due = new Map<number, CountryNetwork[]>();
  /** Buckets before this minute have been looked at. */
  let dueFromMs = Number.POSITIVE_INFINITY;
  let changed: CountryNetwork[] = [];

  const queue = (network: CountryNetwork, ms: number): void => {
    const bucket = due.get(ms);
    if (bucket) bucket.push(network);
    else due.set(ms, [network]);
    if (ms < dueFromMs) dueFromMs = ms;
  };

  const note = (country: string, asn: number, ms: number): void => {
    let networks = lastVerified.get(country);
    if (!networks) lastVerified.set(country, (networks = new Map()));
    const last = networks.get(asn);
    if (last !== undefined && last >= ms) return;
    networks.set(asn, ms);
    if (last !== undefined) return;
    const network = { country, asn };
    queue(network, ms);
    changed.push(network);
  };

  /** Forgets the networks of one due bucket not verified from since `cutoffMs`, and re-queues the others. */
  const expire = (bucketMs: number, cutoffMs: number): void => {
    const bucket = due.get(bucketMs);
    if (!bucket) return;
    due.delete(bucketMs);
    for (const network of bucket) {
      const networks = lastVerified.get(network.country);
      const last = networks?.get(network.asn) ?? Number.NEGATIVE_INFINITY;
      if (last >= cutoffMs) {
        queue(network, last);
        continue;
      }
      networks?.delete(network.asn);
      changed.push(network);
    }
  };

  return {
    record(minuteMs, cells) {
      for (const cell of cells) if (cell.counters.verifiedSessions > 0) note(cell.country, cell.asn, minuteMs);
    },
    recordHour(hourMs, country, asn, verifiedSessions) {
      if (verifiedSessions > 0) note(country, asn, hourMs);
    },
    isFamiliar(country, asn, nowMs) {
      const last = lastVerified.get(country)?.get(asn);
      return last !== undefined && last >= nowMs - FAMILIAR_MS;
    },
    changesAt(nowMs) {
      const cutoffMs = nowMs - FAMILIAR_MS;
      if (dueFromMs < cutoffMs) {
        // Step by minute through the due buckets, or, after a jump of more minutes than there are
        // buckets (a restart), through the buckets themselves. Re-queued networks go to buckets at
        // or after the cutoff, so the order does not matter.
        if ((cutoffMs - dueFromMs) / MS_PER_MINUTE > due.size) {
          for (const bucketMs of [...due.keys()]) if (bucketMs < cutoffMs) expire(bucketMs, cutoffMs);
        } else {
          for (let m = dueFromMs; m < cutoffMs; m += MS_PER_MINUTE) expire(m, cutoffMs);
        }
        dueFromMs = cutoffMs;
      }
      const handed = changed;
      changed = [];
      return handed;
    },
  };
}
