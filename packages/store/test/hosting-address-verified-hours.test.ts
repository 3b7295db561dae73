/**
 * The detector's read of a week of hosting addresses: verified sessions per hour and client
 * address, summed in the store, answer what the minute rows of the same range summed would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRow, verifyOf } from '../src/testing/event-rows.ts';
import { hostingAddressVerifiedHours, hostingSessionAddresses, insertRows, type Store } from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';
import type { SendRow, VerifyRow } from '@tollgate/events';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const IPS = ['54.36.226.158', '146.70.21.122', '3.120.255.64', '45.55.247.116', '198.51.100.7'];

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('hosting-address-verified-hours'));
});
afterAll(() => dispose());

describe('verified hosting sessions by hour and address', () => {
  it('equal the minute rows of the same range summed by hour and address', async () => {
    // Three hours and a half of hosting sessions from five addresses in two apps and countries: a
    // code typed right, wrong, not at all, or right only after the read stops counting verifies;
    // each fifth session sent again in its next minute, and a home network's sessions among them.
    const sends: SendRow[] = [];
    const verifies: VerifyRow[] = [];
    for (let i = 0; i < 150; i += 1) {
      const ts = T0 + i * 83_000;
      const send = sendRow(`h${i}`, ts, {
        app: i % 2 === 0 ? 'shop' : 'bank',
        country: i % 3 === 0 ? 'KW' : 'GB',
        prefix: i % 3 === 0 ? '+965 5' : '+44 791',
        asn: 16276 + (i % 5),
        asn_hosting: 1,
        ip: IPS[(i * 7) % IPS.length],
      });
      sends.push(send);
      if (i % 5 === 0) sends.push({ ...send, event_id: `r${i}`, ts: ts + MINUTE, session_start: 0 });
      if (i % 4 === 0) verifies.push(verifyOf(`v${i}`, send, ts + 20_000, 1));
      if (i % 4 === 1) verifies.push(verifyOf(`w${i}`, send, ts + 20_000, 0));
      if (i % 4 === 3) verifies.push(verifyOf(`l${i}`, send, T0 + 5 * HOUR, 1));
      if (i % 6 === 0) {
        const home = sendRow(`p${i}`, ts + 1_000, { ip: IPS[0] });
        sends.push(home);
        verifies.push(verifyOf(`pv${i}`, home, ts + 21_000, 1));
      }
    }
    await insertRows(store, 'send', sends);
    await insertRows(store, 'verify', verifies);

    const read = { fromMs: T0, toMs: T0 + 3 * HOUR, verifiesToMs: T0 + 3 * HOUR + 30 * MINUTE };
    const hours = await hostingAddressVerifiedHours(store, read);
    const summed = new Map<string, number>();
    for (const row of await hostingSessionAddresses(store, read)) {
      if (row.verified === 0) continue;
      const key = `${Math.floor(row.ts / HOUR) * HOUR}|${row.ip}`;
      summed.set(key, (summed.get(key) ?? 0) + row.verified);
    }
    expect(new Map(hours.map((row) => [`${row.ts}|${row.ip}`, row.verified]))).toEqual(summed);
    expect(hours).toHaveLength(summed.size);
    // Sessions 0, 4, ... 128 verified in time (33 of them), those of the last half hour left out of the range.
    expect(hours.reduce((sum, row) => sum + row.verified, 0)).toBe(33);
    expect(new Set(hours.map((row) => row.ts))).toEqual(new Set([T0, T0 + HOUR, T0 + 2 * HOUR]));

    // The 32 sessions verified after the first read's end count once the read reaches them.
    const later = await hostingAddressVerifiedHours(store, { ...read, verifiesToMs: T0 + 6 * HOUR });
    expect(later.reduce((sum, row) => sum + row.verified, 0)).toBe(33 + 32);
  });
});
