/**
 * The detector's reads of traffic and delivery latency: every counter and dimension of each bucket
 * lands in its own field, as numbers and strings, at the finest grouping by minute and at a coarser
 * one by hour (the dimensions it drops are '' and ASN 0); latency histograms by send minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiptRow, SendRow } from '@tollgate/events';
import { sendRow, verifyOf } from '../src/testing/event-rows.ts';
import { deliveryLatencyMinutes, detectorTraffic, insertRows, latencyBucketFloorMs, type Store } from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const MINUTE = 60_000;

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('detector-feed'));
});
afterAll(() => dispose());

function send(id: string, ts: number, prefix: string, asn: number, status: SendRow['status'], cost: number): SendRow {
  return sendRow(id, ts, { prefix, asn, status, cost, cost_usd: cost });
}

const counters = {
  failed_sends: 0,
  verify_attempts: 0,
  verify_failures: 0,
  cost_billed_usd: 0,
  billed_messages: 0,
  receipts_delivered: 0,
  receipts_failed: 0,
};

describe('the detector feed', () => {
  it('gives each bucket its counters and dimensions', async () => {
    const a = send('a', T0 + 1_000, '+44 791', 64500, 'accepted', 0.05);
    const b = send('b', T0 + 2_000, '+44 791', 64500, 'accepted', 0.07);
    const c = send('c', T0 + MINUTE + 3_000, '+44 792', 64501, 'failed', 0.25);
    await insertRows(store, 'send', [a, b, c]);
    await insertRows(store, 'verify', [verifyOf('va', a, a.ts + 5_000, 0), verifyOf('va2', a, a.ts + 6_000, 1)]);

    const fine = { app: true, flow: true, country: true, prefix: true, asn: true, provider: true };
    const minutes = await detectorTraffic(store, { fromMs: T0, toMs: T0 + 2 * MINUTE, stepMinutes: 1, grouping: fine });
    const cell = { app: 'shop', flow: 'login', country: 'GB', provider: 'twilio' };
    expect(minutes).toEqual([
      {
        ...counters,
        ts: T0,
        ...cell,
        prefix: '+44 791',
        asn: 64500,
        sends: 2,
        sessions: 2,
        verified_sessions: 1,
        verify_attempts: 2,
        verify_failures: 1,
        cost_est_usd: 0.05 + 0.07,
      },
      {
        ...counters,
        ts: T0 + MINUTE,
        ...cell,
        prefix: '+44 792',
        asn: 64501,
        sends: 1,
        failed_sends: 1,
        sessions: 1,
        verified_sessions: 0,
        cost_est_usd: 0.25,
      },
    ]);

    const country = { app: false, flow: false, country: true, prefix: false, asn: false, provider: false };
    const hours = await detectorTraffic(store, { fromMs: T0, toMs: T0 + 60 * MINUTE, stepMinutes: 60, grouping: country });
    expect(hours).toEqual([
      {
        ...counters,
        ts: T0,
        app: '',
        flow: '',
        country: 'GB',
        prefix: '',
        asn: 0,
        provider: '',
        sends: 3,
        failed_sends: 1,
        sessions: 3,
        verified_sessions: 1,
        verify_attempts: 2,
        verify_failures: 1,
        cost_est_usd: 0.05 + 0.07 + 0.25,
      },
    ]);
  });

  it('gives delivery latency histograms by send minute, provider, country and carrier', async () => {
    const receipt = (id: string, of: SendRow, latencyMs: number, carrier: string): ReceiptRow => ({
      event_id: id,
      ts: of.ts + latencyMs,
      message_id: of.message_id,
      status: 'delivered',
      error_code: '',
      phone_hash: of.phone_hash,
      mcc_mnc: carrier,
      send_ts: of.ts,
      app: of.app,
      flow: of.flow,
      country: of.country,
      prefix: of.prefix,
      asn: of.asn,
      provider: of.provider,
    });
    const t1 = T0 + 3 * 60 * MINUTE;
    const d = send('d', t1 + 1_000, '+44 791', 64500, 'accepted', 0.05);
    const e = send('e', t1 + 2_000, '+44 791', 64500, 'accepted', 0.05);
    await insertRows(store, 'send', [d, e]);
    await insertRows(store, 'receipt', [receipt('rd', d, 3_000, '23410'), receipt('re', e, 3_100, '23410')]);
    const rows = await deliveryLatencyMinutes(store, { fromMs: t1, toMs: t1 + MINUTE });
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toMatchObject({ ts: t1, provider: 'twilio', country: 'GB', carrier: '23410', counts: [2] });
    // Both latencies fall in the bucket whose floor is at most 3 s and whose next floor is above 3.1 s.
    const bucket = row?.buckets[0] ?? -1;
    expect(latencyBucketFloorMs(bucket)).toBeLessThanOrEqual(3_000);
    expect(latencyBucketFloorMs(bucket + 1)).toBeGreaterThan(3_100);
  });
});
