/**
 * The detector's read of hosting sessions by client address: a session counts once, in the minute
 * of its first send, from hosting networks only; verified if a right code came before the read's
 * end for verifies, untyped if no code came at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRow, verifyOf } from '../src/testing/event-rows.ts';
import { hostingSessionAddresses, insertRows, type Store } from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const MINUTE = 60_000;

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('hosting-session-addresses'));
});
afterAll(() => dispose());

describe('hosting sessions by address', () => {
  it('count each session once, in its first minute, with its verifies up to the given time', async () => {
    const server = { asn: 16276, asn_hosting: 1 as const, ip: '54.36.226.158', ip_subnet: '54.36.226.0/24' };
    const verified = sendRow('a', T0 + 1_000, server);
    const wrongCode = sendRow('b', T0 + 2_000, server);
    const untyped = sendRow('c', T0 + 3_000, { ...server, ip: '146.70.21.122', prefix: '+44 792' });
    // The same session sent again a minute later is not a new session.
    const resent = sendRow('c2', T0 + MINUTE + 1_000, {
      ...server,
      ip: '146.70.21.122',
      prefix: '+44 792',
      session_id: untyped.session_id,
      session_start: 0,
    });
    const home = sendRow('d', T0 + 4_000, { ip: '81.2.69.160' });
    // Verified, but only after the read stops counting verifies: untyped to it.
    const late = sendRow('e', T0 + MINUTE + 5_000, server);
    await insertRows(store, 'send', [verified, wrongCode, untyped, resent, home, late]);
    await insertRows(store, 'verify', [
      verifyOf('va', verified, verified.ts + 20_000, 1),
      verifyOf('vb', wrongCode, wrongCode.ts + 20_000, 0),
      verifyOf('ve', late, T0 + 40 * MINUTE, 1),
    ]);

    const rows = await hostingSessionAddresses(store, { fromMs: T0, toMs: T0 + 2 * MINUTE, verifiesToMs: T0 + 30 * MINUTE });
    const cell = { app: 'shop', country: 'GB', asn: 16276 };
    expect(rows).toEqual([
      { ts: T0, ...cell, prefix: '+44 791', ip: '54.36.226.158', sessions: 2, verified: 1, untyped: 0 },
      { ts: T0, ...cell, prefix: '+44 792', ip: '146.70.21.122', sessions: 1, verified: 0, untyped: 1 },
      { ts: T0 + MINUTE, ...cell, prefix: '+44 791', ip: '54.36.226.158', sessions: 1, verified: 0, untyped: 1 },
    ]);

    const later = await hostingSessionAddresses(store, { fromMs: T0 + MINUTE, toMs: T0 + 2 * MINUTE, verifiesToMs: T0 + 60 * MINUTE });
    expect(later).toEqual([{ ts: T0 + MINUTE, ...cell, prefix: '+44 791', ip: '54.36.226.158', sessions: 1, verified: 1, untyped: 0 }]);
  });
});
