/**
 * The access networks a destination country's own people use: those someone verified a code from,
 * into that country, in the last week. People ask for codes to their own phones from their carrier
 * or their home ISP, and they verify; a proxy pool that pumps a country's numbers rents home
 * connections all over the world, and its numbers never verify. So a network nobody verified from
 * stays unfamiliar for as long as it only pumps, and one verified session (a traveller, a new
 * carrier's first customer) makes it familiar for a week.
 */
import type { MinuteCell } from './traffic-book.ts';
import { MS_PER_DAY } from './traffic-book.ts';

/** A week: every weekday and weekend hour of a country's usual networks has been seen in it. */
export const FAMILIAR_MS = 7 * MS_PER_DAY;

export interface FamiliarNetworks {
  /** Notes the networks that carried verified sessions into their country at `minuteMs`. */
  record(minuteMs: number, cells: readonly MinuteCell[]): void;
  /** Warm-up: a network that carried verified sessions into a country in the hour starting at `hourMs`. */
  recordHour(hourMs: number, country: string, asn: number, verifiedSessions: number): void;
  /** Whether someone verified from `asn` into `country` in the week before `nowMs`. */
  isFamiliar(country: string, asn: number, nowMs: number): boolean;
  /** Forgets networks not verified from since a week before `nowMs`. */
  prune(nowMs: number): void;
}

/** Creates an empty record; the engine fills it from the minutes it steps over and the warm-up hours. */
export function createFamiliarNetworks(): FamiliarNetworks {
  /** Per country, per ASN: the latest minute (or hour) a session verified. */
  const lastVerified = new Map<string, Map<number, number>>();
  const note = (country: string, asn: number, ms: number) => {
    let networks = lastVerified.get(country);
    if (!networks) lastVerified.set(country, (networks = new Map()));
    if ((networks.get(asn) ?? -Infinity) < ms) networks.set(asn, ms);
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
    prune(nowMs) {
      for (const networks of lastVerified.values()) {
        for (const [asn, last] of networks) if (last < nowMs - FAMILIAR_MS) networks.delete(asn);
      }
    },
  };
}
