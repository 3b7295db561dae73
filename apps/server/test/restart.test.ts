import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openTestServer } from './support/test-server.ts';
import { T0, sendEvent, verifyEvent } from '@tollgate/events/testing';

const range = `from=${T0 - 3_600_000}&to=${T0 + 3_600_000}&interval=1h`;

describe('restart on the same data directory', () => {
  it('keeps events, rollups, API keys and the duplicate index', async () => {
    const first = await openTestServer('restart', { keepData: true });
    const sends = Array.from({ length: 20 }, (_, i) => sendEvent(i));
    const headers = { ...first.auth('ingest'), 'content-type': 'application/json' };
    expect(
      (await first.app.inject({ method: 'POST', url: '/v1/events/send', headers, payload: JSON.stringify(sends) })).json(),
    ).toMatchObject({ accepted: 20 });
    const verifies = Array.from({ length: 15 }, (_, i) => verifyEvent(i, true));
    expect(
      (await first.app.inject({ method: 'POST', url: '/v1/events/verify', headers, payload: JSON.stringify(verifies) })).json(),
    ).toMatchObject({ accepted: 15 });
    const readKey = first.keys.read;
    const before = (await first.app.inject({ method: 'GET', url: `/v1/metrics/traffic?${range}`, headers: first.auth('read') })).json();
    await first.close();

    const second = await openTestServer('restart', { dataDir: first.dataDir });
    try {
      // A key created before the restart still works.
      const after = await second.app.inject({
        method: 'GET',
        url: `/v1/metrics/traffic?${range}`,
        headers: { authorization: `Bearer ${readKey}` },
      });
      expect(after.statusCode).toBe(200);
      expect(after.json()).toEqual(before);
      expect(after.json().series[0].points[0]).toMatchObject({ sends: 20, verified_sessions: 15, conversion: 0.75 });
      // The same batch sent again after the restart is a duplicate, and a verify for a session sent
      // before the restart is attributed to it from the store.
      const resend = await second.app.inject({
        method: 'POST',
        url: '/v1/events/send',
        headers: { ...second.auth('ingest'), 'content-type': 'application/json' },
        payload: JSON.stringify(sends),
      });
      expect(resend.json()).toEqual({ accepted: 0, duplicates: 20, rejected: [] });
      const late = await second.app.inject({
        method: 'POST',
        url: '/v1/events/verify',
        headers: { ...second.auth('ingest'), 'content-type': 'application/json' },
        payload: JSON.stringify([verifyEvent(19, true)]),
      });
      expect(late.json()).toMatchObject({ accepted: 1 });
      const final = await second.app.inject({ method: 'GET', url: `/v1/metrics/traffic?${range}`, headers: second.auth('read') });
      expect(final.json().series[0].points[0]).toMatchObject({ sends: 20, verified_sessions: 16 });
    } finally {
      await second.close();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });
});
