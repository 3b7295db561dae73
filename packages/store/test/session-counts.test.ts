import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendRow, VerifyRow } from '@tollgate/events';
import { sendRow, verifyOf } from '../src/testing/event-rows.ts';
import { DEFAULT_RETENTION, insertRows, loadMigrations, migrate, trafficSeries, TRAFFIC_ROLLUPS, type Store } from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';

// Migration 015 turns the distinct-count states of sessions into sums; this store starts before it.
const BEFORE = loadMigrations().filter((m) => m.version < 15);
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-20T00:00:00Z');

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('session-counts', BEFORE));
});
afterAll(() => dispose());

function send(id: string, session: string, ts: number, sessionStart: 0 | 1 = 1): SendRow {
  return sendRow(id, ts, { session_id: session, phone_hash: `p-${session}`, session_start: sessionStart });
}

/** Rows as a store before migration 015 took them: without the session marks. */
function withoutMarks(rows: (SendRow | VerifyRow)[]): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'session_start' && key !== 'session_verified')),
  );
}

const series = (intervalMinutes: number, rollups = TRAFFIC_ROLLUPS) =>
  trafficSeries(store, { fromMs: T0, toMs: T0 + DAY, intervalMinutes, limit: 10, filters: {} }, rollups).then((points) =>
    points.map((p) => ({ ts: p.ts, sends: p.sends, sessions: p.sessions, verified: p.verified_sessions })),
  );

describe('sessions counted as sums (migration 015)', () => {
  // A: resent in the same minute. B: resent the next minute, verified at the second try. C: never verifies. D: two hours later.
  const a = send('a1', 'A', T0 + 10_000);
  const b = send('b1', 'B', T0 + 20_000);
  const c = send('c1', 'C', T0 + 30_000);
  const d = send('d1', 'D', T0 + 2 * 3_600_000);
  const old = {
    sends: [a, send('a2', 'A', T0 + 40_000), b, send('b2', 'B', T0 + 70_000), c, d],
    verifies: [
      verifyOf('va', a, T0 + 50_000, 1),
      verifyOf('vb1', b, T0 + 60_000, 0),
      verifyOf('vb2', b, T0 + 80_000, 1),
      verifyOf('vd', d, d.ts + 30_000, 1),
    ],
  };

  it("keeps each minute's distinct sessions from the history, and hours and days add up to them", async () => {
    await store.client.insert({ table: 'sends_raw', values: withoutMarks(old.sends), format: 'JSONEachRow' });
    await store.client.insert({ table: 'verifies_raw', values: withoutMarks(old.verifies), format: 'JSONEachRow' });
    await migrate(store, DEFAULT_RETENTION);

    const minutes = [
      { ts: T0, sends: 4, sessions: 3, verified: 2 },
      { ts: T0 + 60_000, sends: 1, sessions: 1, verified: 0 },
      { ts: T0 + 2 * 3_600_000, sends: 1, sessions: 1, verified: 1 },
    ];
    expect(await series(1)).toEqual(minutes);
    // The whole day from the daily table, and from the minutes alone: the same.
    const day = [{ ts: T0, sends: 6, sessions: 5, verified: 3 }];
    expect(await series(1440)).toEqual(day);
    expect(
      await series(
        1440,
        TRAFFIC_ROLLUPS.filter((r) => r.table === 'traffic_1m'),
      ),
    ).toEqual(day);
    expect(await series(60)).toEqual([
      { ts: T0, sends: 5, sessions: 4, verified: 2 },
      { ts: T0 + 2 * 3_600_000, sends: 1, sessions: 1, verified: 1 },
    ]);
  });

  it('drops the distinct-count states it replaced', async () => {
    const rs = await store.client.query({
      query:
        "SELECT table, name FROM system.columns WHERE database = currentDatabase() AND table IN ('traffic_1m', 'traffic_1h', 'traffic_1d') AND name IN ('sessions', 'verified_sessions', 'sessions_started', 'sessions_verified') ORDER BY table, name",
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual(
      ['traffic_1d', 'traffic_1h', 'traffic_1m'].flatMap((table) => [
        { table, name: 'sessions_started' },
        { table, name: 'sessions_verified' },
      ]),
    );
  });

  it("counts new rows by the ingestor's marks: a session once, in the minute of its first send", async () => {
    const e = send('e1', 'E', T0 + 5 * 3_600_000);
    const resend = send('e2', 'E', e.ts + 90_000, 0);
    await insertRows(store, 'send', [e, resend]);
    await insertRows(store, 'verify', [verifyOf('ve1', e, resend.ts + 10_000, 1), verifyOf('ve2', e, resend.ts + 20_000, 1, 0)]);
    const points = await series(1);
    expect(points.filter((p) => p.ts >= e.ts)).toEqual([
      { ts: e.ts, sends: 1, sessions: 1, verified: 1 },
      { ts: e.ts + 60_000, sends: 1, sessions: 0, verified: 0 },
    ]);
    expect(await series(1440)).toEqual([{ ts: T0, sends: 8, sessions: 6, verified: 4 }]);
  });
});
