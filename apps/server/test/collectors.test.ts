import type { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCounts } from '@tollgate/store';
import { openTestServer, type TestServer } from './support/test-server.ts';
import { T0, ndjson, sendEvent, verifyEvent } from '@tollgate/events/testing';

let server: TestServer;
const workers: Worker[] = [];

beforeAll(async () => {
  // Bodies parsed and normalized on a worker thread (TOLLGATE_INGEST_WORKERS=1): the answers must not change.
  server = await openTestServer('collectors', { ingestWorkers: 1, onIngestWorker: (worker) => workers.push(worker) });
});
afterAll(() => server.close());

async function post(path: string, payload: string | Buffer, headers: Record<string, string> = {}) {
  return server.app.inject({
    method: 'POST',
    url: path,
    payload,
    headers: { 'content-type': 'application/json', ...server.auth('ingest'), ...headers },
  });
}

async function traffic(query: string) {
  const res = await server.app.inject({ method: 'GET', url: `/v1/metrics/traffic?${query}`, headers: server.auth('read') });
  expect(res.statusCode).toBe(200);
  return res.json() as { series: { key: string; points: Record<string, number | null>[] }[] };
}

const range = `from=${T0 - 3_600_000}&to=${T0 + 3_600_000}&interval=1h`;

describe('collectors round trip', () => {
  it('stores sends and verifies and serves them back through the query API', async () => {
    const sends = Array.from({ length: 10 }, (_, i) => sendEvent(i));
    const res = await post('/v1/events/send', JSON.stringify(sends));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 10, duplicates: 0, rejected: [] });

    // 7 of the 10 sessions verify, one of them after a typo.
    const verifies = [0, 1, 2, 3, 4, 5, 6].map((i) => verifyEvent(i, true));
    verifies.push(verifyEvent(100, false, { session_id: 'sess-6', event_id: 'verify-typo' }));
    const vres = await post('/v1/events/verify', ndjson(verifies), { 'content-type': 'application/x-ndjson' });
    expect(vres.json()).toEqual({ accepted: 8, duplicates: 0, rejected: [] });

    const body = await traffic(range);
    const [point] = body.series[0]!.points;
    expect(point).toMatchObject({
      sends: 10,
      sessions: 10,
      verified_sessions: 7,
      conversion: 0.7,
      failed_sends: 0,
      verify_attempts: 8,
      verify_failures: 1,
    });
    expect(point!.cost_est_usd).toBeCloseTo(0.4, 6);
  });

  it('counts a re-sent batch once, in the raw table and in the rollup', async () => {
    const sends = Array.from({ length: 10 }, (_, i) => sendEvent(i));
    const again = await post('/v1/events/send', JSON.stringify(sends));
    expect(again.json()).toEqual({ accepted: 0, duplicates: 10, rejected: [] });
    const gz = await post('/v1/events/send', gzipSync(ndjson(sends)), {
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
    });
    expect(gz.json()).toEqual({ accepted: 0, duplicates: 10, rejected: [] });
    expect((await eventCounts(server.core.store)).send).toBe(10);
    const [point] = (await traffic(range)).series[0]!.points;
    expect(point).toMatchObject({ sends: 10, sessions: 10 });
  });

  it('counts two concurrent copies of one batch once', async () => {
    const sends = Array.from({ length: 5 }, (_, i) => sendEvent(200 + i));
    const [a, b] = await Promise.all([post('/v1/events/send', JSON.stringify(sends)), post('/v1/events/send', JSON.stringify(sends))]);
    expect(a.json().accepted + b.json().accepted).toBe(5);
    expect(a.json().duplicates + b.json().duplicates).toBe(5);
  });

  it('stores the valid lines of a mixed batch and names each bad line, field and reason', async () => {
    const lines = [
      JSON.stringify(sendEvent(300)),
      JSON.stringify(sendEvent(301, { phone: '+44 12' })),
      '{"event_id": "broken",',
      JSON.stringify(sendEvent(302, { flow: 'checkout' })),
      JSON.stringify(sendEvent(303)),
    ].join('\n');
    const res = await post('/v1/events/send', lines, { 'content-type': 'application/x-ndjson' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r: { line: number; field: string }) => [r.line, r.field])).toEqual([
      [2, 'phone'],
      [3, expect.any(String)],
      [4, 'flow'],
    ]);
    for (const r of body.rejected) expect(r.reason.length).toBeGreaterThan(10);
  });

  it('groups traffic by country and filters by provider', async () => {
    await post('/v1/events/send', JSON.stringify([sendEvent(400, { phone: '+33612345678', provider: 'vonage', session_id: 'fr-1' })]));
    const byCountry = await traffic(`${range}&group_by=country`);
    expect(byCountry.series.map((s) => s.key).sort()).toEqual(['FR', 'GB']);
    const vonage = await traffic(`${range}&provider=vonage`);
    expect(vonage.series[0]!.points[0]).toMatchObject({ sends: 1 });
  });

  it('attributes billing lines and receipts to their send and reports billed cost', async () => {
    const send = sendEvent(500, { message_id: 'SMbill500', session_id: 'bill-1', cost: 0.05 });
    await post('/v1/events/send', JSON.stringify([send]));
    const billing = [
      {
        event_id: 'SMbill500',
        ts: new Date(T0 + 4 * 3_600_000).toISOString(),
        provider: 'twilio',
        country: 'GB',
        cost: 0.06,
        currency: 'USD',
      },
    ];
    expect((await post('/v1/events/billing', JSON.stringify(billing))).json()).toMatchObject({ accepted: 1 });
    const csv = 'message_id,ts,provider,country,cost,currency\nSMbill500,2026-11-20T14:00:00Z,twilio,GB,0.06,USD\n';
    const imported = await post('/v1/imports/billing', csv, { 'content-type': 'text/csv' });
    expect(imported.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    const receipt = await post(
      '/v1/events/receipt',
      JSON.stringify([{ ts: T0 + 5_000, provider: 'twilio', message_id: 'SMbill500', status: 'delivered' }]),
    );
    expect(receipt.json()).toMatchObject({ accepted: 1 });
    // Both land in the send's hour, app and flow even though they carry neither.
    const byApp = await traffic(`${range}&group_by=app&app=shop`);
    const point = byApp.series[0]!.points[0]!;
    expect(point.cost_billed_usd).toBeCloseTo(0.06, 6);
    expect(point.receipts_delivered).toBe(1);
  });

  it('takes Twilio status callbacks and Vonage DLRs in their native formats', async () => {
    const form = new URLSearchParams({
      MessageSid: 'SMtw1',
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
      To: '+447400123456',
      AccountSid: 'AC1',
    });
    const tw = await post('/v1/providers/twilio/status', form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(tw.statusCode).toBe(200);
    expect(tw.json()).toMatchObject({ accepted: 1 });
    const dlr = await server.app.inject({
      method: 'GET',
      url: '/v1/providers/vonage/dlr?msisdn=447400123456&to=Tollgate&network-code=23410&messageId=vn-1&price=0.03&status=delivered&err-code=0&message-timestamp=2026-11-20+10%3A00%3A05',
      headers: server.auth('ingest'),
    });
    expect(dlr.statusCode).toBe(200);
    expect(dlr.json()).toMatchObject({ accepted: 1 });
    const rs = await server.core.store.client.query({
      query: "SELECT status, error_code, country FROM receipts_raw WHERE message_id IN ('SMtw1', 'vn-1') ORDER BY message_id",
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([
      { status: 'undelivered', error_code: '30003', country: 'GB' },
      { status: 'delivered', error_code: '', country: 'GB' },
    ]);
  });

  it('never stores a raw phone number', async () => {
    // National numbers of phones sent above; hex hashes cannot hold a run of ten decimal digits by chance
    // often enough to matter (10 digits: ~1e-8 per row).
    for (const needle of ['7400110000', '7400123456', '612345678']) {
      for (const table of ['sends_raw', 'verifies_raw', 'receipts_raw']) {
        const rs = await server.core.store.client.query({
          query: 'SELECT count() AS n FROM {t:Identifier} WHERE position(toString(tuple(*)), {needle:String}) > 0',
          query_params: { t: table, needle },
          format: 'JSONEachRow',
        });
        expect(await rs.json()).toEqual([{ n: 0 }]);
      }
    }
  });
});

describe('a worker thread that dies with a batch', () => {
  it('answers 503 TG_STORE_UNAVAILABLE with Retry-After, acknowledges nothing, and stores the retry once', async () => {
    const worker = workers.at(-1)!;
    const started = workers.length;
    const handOver = worker.postMessage.bind(worker);
    // The worker is killed as it is handed the batch. Terminating first stops its JavaScript before
    // the message can be read: handed over first, a 50-event batch could be answered before the kill.
    worker.postMessage = (message: unknown) => {
      void worker.terminate();
      handOver(message);
    };
    const sends = Array.from({ length: 50 }, (_, i) => sendEvent(900 + i, { event_id: `lost-${i}`, session_id: `lost-sess-${i}` }));
    const lost = await post('/v1/events/send', ndjson(sends), { 'content-type': 'application/x-ndjson' });
    expect(lost.statusCode).toBe(503);
    expect(lost.json()).toMatchObject({ error: { code: 'TG_STORE_UNAVAILABLE' } });
    expect(lost.headers['retry-after']).toBeDefined();
    const before = (await eventCounts(server.core.store)).send;

    await expect.poll(() => workers.length, { timeout: 30_000 }).toBe(started + 1);
    const retried = await post('/v1/events/send', ndjson(sends), { 'content-type': 'application/x-ndjson' });
    expect(retried.json()).toEqual({ accepted: 50, duplicates: 0, rejected: [] });
    expect((await eventCounts(server.core.store)).send).toBe(before + 50);
  });
});
