/**
 * Delivery latency end to end: sends and their receipts go through the collectors (the receipt is
 * attributed to its send by message id), and `GET /v1/metrics/delivery` answers the latency and the
 * shares per carrier, with the error codes ranked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendEvent, T0 } from '@tollgate/events/testing';
import { openTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await openTestServer('delivery-api');
});
afterAll(() => server.close());

const ingest = (kind: 'send' | 'receipt', events: object[]) =>
  server.app.inject({
    method: 'POST',
    url: `/v1/events/${kind}`,
    payload: JSON.stringify(events),
    headers: { ...server.auth('ingest'), 'content-type': 'application/json' },
  });

describe('GET /v1/metrics/delivery', () => {
  beforeAll(async () => {
    const sends = Array.from({ length: 10 }, (_, i) => sendEvent(9_000 + i));
    expect((await ingest('send', sends)).json().accepted).toBe(10);
    // Delivered after 2, 4, ... 16 s (eight messages); one undelivered (30003), one failed (30007).
    const receipts = sends.map((send, i) => ({
      ts: Date.parse(String(send.ts)) + (i + 1) * 2_000,
      provider: 'twilio',
      message_id: send.message_id,
      status: i < 8 ? 'delivered' : i === 8 ? 'undelivered' : 'failed',
      ...(i < 8 ? {} : { error_code: i === 8 ? '30003' : '30007' }),
      ...(i % 2 === 0 ? { mcc_mnc: '23410' } : {}),
    }));
    expect((await ingest('receipt', receipts)).json().accepted).toBe(10);
  });

  it("answers latency percentiles and shares by carrier, the receipt's network code or else the number's prefix", async () => {
    const res = await server.app.inject({
      url: `/v1/metrics/delivery?from=${T0}&to=${T0 + 3_600_000 * 3}&interval=1d&group_by=carrier`,
      headers: server.auth('read'),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const byKey = Object.fromEntries(body.series.map((s: { key: string; points: object[] }) => [s.key, s.points[0]]));
    // Even-numbered messages carry MCC-MNC 23410: delivered after 2, 6, 10, 14 s, and message 8 undelivered.
    expect(byKey['23410']).toMatchObject({ receipts: 5, delivered: 4, undelivered: 1, failed: 0, delivered_share: 0.8 });
    // Any value between the middle two is a median of four; the t-digest returns one of them.
    expect(byKey['23410'].p50_ms).toBeGreaterThanOrEqual(6_000);
    expect(byKey['23410'].p50_ms).toBeLessThanOrEqual(10_000);
    expect(byKey['23410'].p99_ms).toBeLessThanOrEqual(14_000);
    const [prefixKey] = Object.keys(byKey).filter((key) => key !== '23410');
    expect(prefixKey).toMatch(/^\+44 \d+/);
    expect(byKey[prefixKey!]).toMatchObject({ receipts: 5, delivered: 4, failed: 1 });
    expect(byKey[prefixKey!].p50_ms).toBeGreaterThanOrEqual(8_000);
    expect(byKey[prefixKey!].p50_ms).toBeLessThanOrEqual(12_000);
    expect(body.errors.map((e: { error_code: string; receipts: number }) => [e.error_code, e.receipts])).toEqual([
      ['30003', 1],
      ['30007', 1],
    ]);
  });

  it('refuses an unknown grouping with the field', async () => {
    const res = await server.app.inject({ url: '/v1/metrics/delivery?group_by=mood', headers: server.auth('read') });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('group_by');
  });
});
