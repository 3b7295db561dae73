/**
 * The detector's memory of hosting sessions by address, fed as the engine feeds it: every minute
 * replaced, rolled into its hour once past the recent span, hours pruned past the week. Its
 * memory stays bounded however many days are fed, and the week's verified sessions per address
 * are those of the minutes fed.
 */
import { describe, expect, it } from 'vitest';
import type { HostingSessionAddressRow } from '@tollgate/store';
import { addressKey, createHostingAddresses } from '../src/hosting-addresses.ts';
import { hourStart } from '../src/traffic-book.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SPAN = 3 * HOUR;
const WEEK = 7 * DAY;
const T0 = Date.parse('2026-11-02T00:00:00Z');
const EXIT = '185.220.101.4';
const FARM = '45.55.247.116';
const EXIT_V6 = '2a0d:5600:24:a3::4';

/**
 * A minute's rows: a VPN exit one or two people verify from, another on IPv6 one person verifies
 * from every other minute, a farm that never verifies, and a new address each minute.
 */
function rowsOf(i: number): HostingSessionAddressRow[] {
  const ts = T0 + i * MINUTE;
  const row = { ts, app: 'shop', country: 'GB', prefix: '+44 791', asn: 16276 };
  return [
    { ...row, ip: EXIT, sessions: 3, verified: 1 + (i % 2), untyped: 0 },
    { ...row, ip: EXIT_V6, sessions: 1, verified: i % 2, untyped: 0 },
    { ...row, country: 'KW', prefix: '+965 5', ip: FARM, sessions: 2, verified: 0, untyped: 2 },
    { ...row, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, sessions: 1, verified: i % 3 === 0 ? 1 : 0, untyped: 0 },
  ];
}

describe('hosting addresses', () => {
  it('hold minutes of the recent span only and a week of hours, however many days are fed', () => {
    const addresses = createHostingAddresses();
    const days = 10;
    let most = { minutes: 0, hours: 0 };
    for (let i = 0; i < days * 24 * 60; i += 1) {
      const nowMs = T0 + (i + 1) * MINUTE;
      addresses.setMinute(T0 + i * MINUTE, rowsOf(i));
      addresses.rollUntil(nowMs - SPAN);
      if (nowMs % HOUR === 0) addresses.prune(nowMs - WEEK);
      const held = addresses.held();
      most = { minutes: Math.max(most.minutes, held.minutes), hours: Math.max(most.hours, held.hours) };
    }
    // The week's hours not held as minutes, and the one whose minutes are being rolled.
    expect(most).toEqual({ minutes: SPAN / MINUTE, hours: (WEEK - SPAN) / HOUR + 1 });
    const nowMs = T0 + days * DAY;
    expect(addresses.rowsIn(T0, nowMs - SPAN)).toEqual([]);
    expect(addresses.rowsIn(nowMs - SPAN, nowMs)).toHaveLength((SPAN / MINUTE) * 4);

    // The week's verified sessions from the exit: every minute fed from the first hour of the week
    // (whole, as the book counts its hours) to the commit point, most of them rolled into hours.
    const committedUntil = nowMs - 30 * MINUTE;
    const fromMs = nowMs - WEEK + 20 * MINUTE;
    const firstHour = hourStart(fromMs);
    let expected = 0;
    let expectedV6 = 0;
    for (let i = 0; i < days * 24 * 60; i += 1) {
      const ts = T0 + i * MINUTE;
      if (ts < firstHour || ts >= committedUntil) continue;
      expected += 1 + (i % 2);
      expectedV6 += i % 2;
    }
    expect(addresses.verifiedFrom(new Set([EXIT]), fromMs, committedUntil)).toBe(expected);
    expect(addresses.verifiedFrom(new Set([EXIT_V6]), fromMs, committedUntil)).toBe(expectedV6);
    expect(addresses.verifiedFrom(new Set([EXIT, EXIT_V6]), fromMs, committedUntil)).toBe(expected + expectedV6);
    expect(addresses.verifiedFrom(new Set([FARM]), nowMs - WEEK, committedUntil)).toBe(0);
  });

  it('count each address under a key of its own', () => {
    expect(addressKey('45.55.247.116')).toBe((45 << 24) | (55 << 16) | (247 << 8) | 116);
    expect(addressKey('255.255.255.255')).not.toBe(addressKey('0.0.0.0'));
    // Written another way, an address is another text, as the store has it.
    expect(addressKey('045.55.247.116')).toBe('045.55.247.116');
    expect(addressKey('256.1.1.1')).toBe('256.1.1.1');
    expect(addressKey(EXIT_V6)).toBe(EXIT_V6);
  });

  it('leave a minute already rolled into its hour as it is', () => {
    const addresses = createHostingAddresses();
    addresses.setMinute(T0, rowsOf(0));
    addresses.rollUntil(T0 + MINUTE);
    addresses.setMinute(T0, []);
    addresses.setMinute(T0, [{ ...rowsOf(0)[0]!, verified: 3 }]);
    expect(addresses.rowsIn(T0, T0 + MINUTE)).toEqual([]);
    expect(addresses.verifiedFrom(new Set([EXIT]), T0, T0 + HOUR)).toBe(1);
  });
});
