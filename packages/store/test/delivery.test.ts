import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceiptRow } from '@tollgate/events';
import { deliveryErrors, deliverySeries, insertRows, repairRollups, type Store } from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('delivery'));
});
afterAll(() => dispose());

const T0 = Date.parse('2026-11-20T10:00:00Z');
const MINUTE = 60_000;
let n = 0;

function receipt(overrides: Partial<ReceiptRow> & { latencyMs?: number; sendTs: number }): ReceiptRow {
  const { latencyMs = 0, sendTs, ...rest } = overrides;
  n += 1;
  return {
    event_id: `r${n}`,
    ts: sendTs + latencyMs,
    message_id: `m${n}`,
    status: 'delivered',
    error_code: '',
    phone_hash: `p${n}`,
    mcc_mnc: '51010',
    send_ts: sendTs,
    app: 'shop',
    flow: 'login',
    country: 'ID',
    prefix: '+62 812',
    asn: 0,
    provider: 'twilio',
    ...rest,
  };
}

const filters = { country: 'ID', provider: 'twilio' };

describe('delivery latency and success', () => {
  it('gives the quantiles of a minute computed by hand, and the shares of final states', async () => {
    // 100 delivered messages taking 1 s, 2 s, ... 100 s; 5 undelivered, 3 failed, 2 unknown; 4 still "sent".
    const rows = [
      ...Array.from({ length: 100 }, (_, i) => receipt({ sendTs: T0, latencyMs: (i + 1) * 1000 })),
      ...Array.from({ length: 5 }, () => receipt({ sendTs: T0, latencyMs: 5000, status: 'undelivered', error_code: '30003' })),
      ...Array.from({ length: 3 }, () => receipt({ sendTs: T0, latencyMs: 5000, status: 'failed', error_code: '30007' })),
      ...Array.from({ length: 2 }, () => receipt({ sendTs: T0, latencyMs: 5000, status: 'unknown' })),
      ...Array.from({ length: 4 }, () => receipt({ sendTs: T0, latencyMs: 500, status: 'sent' })),
    ];
    await insertRows(store, 'receipt', rows);
    const [point] = await deliverySeries(store, { fromMs: T0, toMs: T0 + MINUTE, intervalMinutes: 1, limit: 10, filters });
    expect(point).toMatchObject({ ts: T0, receipts: 110, delivered: 100, undelivered: 5, failed: 3, unknown: 2 });
    // By hand, with linear interpolation between ranks: P50 = 50.5 s, P90 = 90.1 s, P99 = 99.01 s.
    expect(point!.p50_ms).toBeGreaterThan(50_500 * 0.98);
    expect(point!.p50_ms).toBeLessThan(50_500 * 1.02);
    expect(point!.p90_ms).toBeGreaterThan(90_100 * 0.98);
    expect(point!.p90_ms).toBeLessThan(90_100 * 1.02);
    expect(point!.p99_ms).toBeGreaterThan(99_010 * 0.98);
    expect(point!.p99_ms).toBeLessThanOrEqual(100_000);
  });

  it('ranks provider error codes with their share of final receipts', async () => {
    const errors = await deliveryErrors(store, { fromMs: T0, toMs: T0 + 10 * MINUTE, limit: 10, filters });
    expect(errors).toEqual([
      { provider: 'twilio', country: 'ID', error_code: '30003', receipts: 5, share: Math.round((5 / 110) * 1e6) / 1e6 },
      { provider: 'twilio', country: 'ID', error_code: '30007', receipts: 3, share: Math.round((3 / 110) * 1e6) / 1e6 },
    ]);
  });

  it('merges minutes into an hour within the t-digest error bound of the exact quantile over the raw receipts', async () => {
    const hour = T0 + 2 * 3_600_000;
    // A skewed, seeded spread: most messages in seconds, a long tail of minutes, over 60 minutes and two carriers.
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const rows = Array.from({ length: 3_000 }, (_, i) =>
      receipt({
        sendTs: hour + (i % 60) * MINUTE,
        latencyMs: Math.round(1000 + 4000 * random() + (random() < 0.1 ? 240_000 * random() : 0)),
        mcc_mnc: i % 2 ? '51010' : '51011',
      }),
    );
    await insertRows(store, 'receipt', rows);
    const [merged] = await deliverySeries(store, { fromMs: hour, toMs: hour + 3_600_000, intervalMinutes: 60, limit: 10, filters });
    const rs = await store.client.query({
      query: `SELECT quantilesExact(0.5, 0.9, 0.99)(toFloat64(toUnixTimestamp64Milli(ts) - toUnixTimestamp64Milli(send_ts))) AS q
              FROM receipts_raw WHERE send_ts >= fromUnixTimestamp64Milli({from:Int64}) AND send_ts < fromUnixTimestamp64Milli({to:Int64}) AND status = 'delivered'`,
      query_params: { from: hour, to: hour + 3_600_000 },
      format: 'JSONEachRow',
    });
    const q = (await rs.json<{ q: number[] }>())[0]!.q;
    expect(merged!.delivered).toBe(3_000);
    expect(Math.abs(merged!.p50_ms! - q[0]!) / q[0]!).toBeLessThan(0.02);
    expect(Math.abs(merged!.p90_ms! - q[1]!) / q[1]!).toBeLessThan(0.05);
    expect(Math.abs(merged!.p99_ms! - q[2]!) / q[2]!).toBeLessThan(0.05);
  });

  it('groups by carrier, and leaves latency null where nothing was delivered', async () => {
    const points = await deliverySeries(store, {
      fromMs: T0 + 2 * 3_600_000,
      toMs: T0 + 3 * 3_600_000,
      intervalMinutes: 60,
      groupBy: 'carrier',
      limit: 10,
      filters,
    });
    expect(points.map((p) => [p.key, p.delivered])).toEqual([
      ['51010', 1_500],
      ['51011', 1_500],
    ]);
    await insertRows(store, 'receipt', [receipt({ sendTs: T0 + 5 * 3_600_000, status: 'failed', error_code: '30008', latencyMs: 1000 })]);
    const [failedOnly] = await deliverySeries(store, {
      fromMs: T0 + 5 * 3_600_000,
      toMs: T0 + 6 * 3_600_000,
      intervalMinutes: 60,
      limit: 10,
      filters,
    });
    expect(failedOnly).toMatchObject({ receipts: 1, failed: 1, p50_ms: null, p90_ms: null });
  });

  it('is rebuilt with the traffic rollup after an unclean stop', async () => {
    const before = await deliverySeries(store, { fromMs: T0, toMs: T0 + MINUTE, intervalMinutes: 1, limit: 10, filters });
    await store.client.command({
      query: "ALTER TABLE delivery_1m DELETE WHERE minute = toDateTime('2026-11-20 10:00:00', 'UTC')",
      clickhouse_settings: { mutations_sync: '2' },
    });
    expect(await deliverySeries(store, { fromMs: T0, toMs: T0 + MINUTE, intervalMinutes: 1, limit: 10, filters })).toEqual([]);
    await repairRollups(store, 0);
    expect(await deliverySeries(store, { fromMs: T0, toMs: T0 + MINUTE, intervalMinutes: 1, limit: 10, filters })).toEqual(before);
  });
});
