/**
 * Hosting sessions by client address, kept two ways. Recent minutes keep every row (app,
 * destination, network, address): which servers a named destination's sessions came from, and
 * where another country's came from just now. Older minutes keep only what the week is read for,
 * the verified sessions per address and hour: where people on a VPN verify from. A week of minute
 * rows grew with a sender's hosting traffic; an hour holds each address people verified from once.
 *
 * Minutes are replaced whole while recent, like the book's, and rolled into their hour once older
 * than the span the engine keeps (a rolled minute is not replaced again: its hour holds it).
 */
import type { HostingAddressVerifiedHour, HostingSessionAddressRow } from '@tollgate/store';
import { createActivityLog } from './activity-log.ts';
import { hourStart, MS_PER_MINUTE } from './traffic-book.ts';

export interface HostingAddresses {
  /** Replaces a minute's rows; a minute already rolled into its hour is left alone. */
  setMinute(minuteMs: number, rows: readonly HostingSessionAddressRow[]): void;
  /** Warm-up: verified sessions per address of hours before the minutes loaded. */
  addVerifiedHours(rows: readonly HostingAddressVerifiedHour[]): void;
  /** Rows of the minutes in [fromMs, toMs) still held as minutes (none before the last roll). */
  rowsIn(fromMs: number, toMs: number): HostingSessionAddressRow[];
  /**
   * Verified sessions from any of `ips` started in [fromMs, toMs): the hours rolled, the first one
   * whole as the book's `spanSum` counts its hours, and the minutes held before `toMs`. `toMs` is
   * past the last roll (the engine asks up to its commit point, well inside the recent span).
   */
  verifiedFrom(ips: ReadonlySet<string>, fromMs: number, toMs: number): number;
  /** Rolls the minutes before `untilMs` into their hours. */
  rollUntil(untilMs: number): void;
  /** Drops the hours before the one holding `oldestMs`. */
  prune(oldestMs: number): void;
  /** What is held: minutes with rows, hours, and (address, hour) pairs. */
  held(): { minutes: number; hours: number; addressHours: number };
}

/** An IPv4 address written the one way (no leading zeros), which `addressKey` turns into a number. */
const DOTTED_QUAD =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * The key an address is counted under in the hours: an IPv4 address as its 32 bits (a small
 * integer to the engine, so an hour's entry holds no string of its own: half the memory an entry
 * took), any other text as it is. One address has one key and one key one address.
 */
export function addressKey(ip: string): number | string {
  const quad = DOTTED_QUAD.exec(ip);
  if (!quad) return ip;
  return (Number(quad[1]) << 24) | (Number(quad[2]) << 16) | (Number(quad[3]) << 8) | Number(quad[4]);
}

export function createHostingAddresses(): HostingAddresses {
  const minutes = createActivityLog<HostingSessionAddressRow>();
  const minuteKeys = new Set<number>();
  /** Verified sessions per address (its `addressKey`), by hour start. */
  const hours = new Map<number, Map<number | string, number>>();
  /** Minutes before this were rolled into their hours. */
  let rolledUntil = Number.NEGATIVE_INFINITY;
  /** No minute before this holds rows (what a roll walks from). */
  let heldFrom = Number.POSITIVE_INFINITY;

  const addVerified = (hourMs: number, ip: string, verified: number) => {
    let byIp = hours.get(hourMs);
    if (!byIp) hours.set(hourMs, (byIp = new Map()));
    const key = addressKey(ip);
    byIp.set(key, (byIp.get(key) ?? 0) + verified);
  };

  return {
    setMinute(minuteMs, rows) {
      if (minuteMs < rolledUntil) return;
      minutes.setMinute(minuteMs, rows);
      if (rows.length === 0) {
        minuteKeys.delete(minuteMs);
        return;
      }
      minuteKeys.add(minuteMs);
      heldFrom = Math.min(heldFrom, minuteMs);
    },
    addVerifiedHours(rows) {
      for (const row of rows) if (row.verified > 0) addVerified(row.ts, row.ip, row.verified);
    },
    rowsIn(fromMs, toMs) {
      return minutes.rowsIn(Math.max(fromMs, heldFrom), toMs);
    },
    verifiedFrom(ips, fromMs, toMs) {
      let verified = 0;
      const firstHour = hourStart(fromMs);
      const keys = [...ips].map(addressKey);
      for (const [hourMs, byIp] of hours) {
        if (hourMs < firstHour || hourMs >= toMs) continue;
        for (const key of keys) verified += byIp.get(key) ?? 0;
      }
      for (const row of minutes.rowsIn(Math.max(fromMs, heldFrom), toMs)) if (row.verified > 0 && ips.has(row.ip)) verified += row.verified;
      return verified;
    },
    rollUntil(untilMs) {
      if (untilMs <= rolledUntil) return;
      rolledUntil = untilMs;
      // Usually the one minute that just left the span.
      for (let minuteMs = heldFrom; minuteMs < untilMs; minuteMs += MS_PER_MINUTE) {
        if (!minuteKeys.delete(minuteMs)) continue;
        for (const row of minutes.rowsIn(minuteMs, minuteMs + MS_PER_MINUTE)) {
          if (row.verified > 0) addVerified(hourStart(minuteMs), row.ip, row.verified);
        }
        minutes.setMinute(minuteMs, []);
      }
      heldFrom = Math.max(heldFrom, untilMs);
    },
    prune(oldestMs) {
      const firstHour = hourStart(oldestMs);
      for (const hourMs of hours.keys()) if (hourMs < firstHour) hours.delete(hourMs);
    },
    held() {
      let addressHours = 0;
      for (const byIp of hours.values()) addressHours += byIp.size;
      return { minutes: minuteKeys.size, hours: hours.size, addressHours };
    },
  };
}
