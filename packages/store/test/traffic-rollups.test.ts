import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BillingRow, ReceiptRow, SendRow, VerifyRow } from '@tollgate/events';
import {
  insertRows,
  lastIngestedAt,
  repairRollups,
  rollupSpans,
  scopeSpend,
  spendCells,
  TRAFFIC_ROLLUPS,
  trafficSeries,
  type Store,
  type TrafficSeriesParams,
} from '../src/index.ts';
import { openTempStore } from '../src/testing/temp-store.ts';

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('traffic-rollups'));
});
afterAll(() => dispose());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const MINUTES_ONLY = TRAFFIC_ROLLUPS.filter((r) => r.table === 'traffic_1m');

describe('which rollup answers which part of a range', () => {
  const span = (fromIso: string, toIso: string, intervalMinutes: number, more: Partial<Parameters<typeof rollupSpans>[0]> = {}) =>
    rollupSpans({ fromMs: at(fromIso), toMs: at(toIso), intervalMinutes, filters: {}, ...more }).map(({ rollup, ranges }) => [
      rollup.table,
      ranges.map(([from, to]) => `${new Date(from).toISOString().slice(5, 16)}..${new Date(to).toISOString().slice(5, 16)}`),
    ]);

  it.each([
    {
      what: 'hourly buckets: whole hours from traffic_1h, the minutes at both edges from traffic_1m',
      got: () => span('2026-11-20T10:07:30Z', '2026-11-21T12:03:00Z', 60),
      want: [
        ['traffic_1h', ['11-20T11:00..11-21T12:00']],
        ['traffic_1m', ['11-20T10:07..11-20T11:00', '11-21T12:00..11-21T12:03']],
      ],
    },
    {
      what: 'a `to` inside a minute keeps that minute, as the minute path does',
      got: () => span('2026-11-20T10:00:00Z', '2026-11-20T12:59:30Z', 60),
      want: [['traffic_1h', ['11-20T10:00..11-20T13:00']]],
    },
    {
      what: 'daily buckets: whole days, then whole hours, then minutes',
      got: () => span('2026-11-20T10:07:00Z', '2026-11-23T02:30:00Z', 1440),
      want: [
        ['traffic_1d', ['11-21T00:00..11-23T00:00']],
        ['traffic_1h', ['11-20T11:00..11-21T00:00', '11-23T00:00..11-23T02:00']],
        ['traffic_1m', ['11-20T10:07..11-20T11:00', '11-23T02:00..11-23T02:30']],
      ],
    },
    {
      what: 'per-minute buckets read minutes only',
      got: () => span('2026-11-20T10:00:00Z', '2026-11-21T10:00:00Z', 1),
      want: [['traffic_1m', ['11-20T10:00..11-21T10:00']]],
    },
    {
      what: 'a range within one hour reads minutes only',
      got: () => span('2026-11-20T10:05:00Z', '2026-11-20T10:55:00Z', 60),
      want: [['traffic_1m', ['11-20T10:05..11-20T10:55']]],
    },
    {
      what: 'grouping by asn reads minutes: the coarser tables do not keep it',
      got: () => span('2026-11-20T10:00:00Z', '2026-11-22T10:00:00Z', 60, { groupBy: 'asn' }),
      want: [['traffic_1m', ['11-20T10:00..11-22T10:00']]],
    },
    {
      what: 'a flow filter reads minutes; an empty filter is no filter',
      got: () => span('2026-11-20T10:00:00Z', '2026-11-22T10:00:00Z', 60, { filters: { flow: 'login', country: '' } }),
      want: [['traffic_1m', ['11-20T10:00..11-22T10:00']]],
    },
    {
      what: 'a cut splits the whole days and hours it falls in',
      got: () =>
        span('2026-11-20T00:00:00Z', '2026-11-23T00:00:00Z', 1440, { cuts: [at('2026-11-21T10:07:30Z'), at('2026-11-25T00:00:00Z')] }),
      want: [
        ['traffic_1d', ['11-20T00:00..11-21T00:00', '11-22T00:00..11-23T00:00']],
        ['traffic_1h', ['11-21T00:00..11-21T10:00', '11-21T11:00..11-22T00:00']],
        ['traffic_1m', ['11-21T10:00..11-21T10:07', '11-21T10:07..11-21T11:00']],
      ],
    },
    {
      what: 'dimensions read besides the filters decide too: asn only in minutes',
      got: () => span('2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z', 1440, { dimensions: ['asn'] }),
      want: [['traffic_1m', ['11-20T00:00..11-21T00:00']]],
    },
    {
      what: 'country, prefix, app and provider filters keep the hours',
      got: () =>
        span('2026-11-20T10:00:00Z', '2026-11-20T14:00:00Z', 60, {
          groupBy: 'prefix',
          filters: { country: 'GB', app: 'shop', provider: 'twilio' },
        }),
      want: [['traffic_1h', ['11-20T10:00..11-20T14:00']]],
    },
  ])('$what', ({ got, want }) => {
    expect(got()).toEqual(want);
  });
});

// Two and a half days of traffic from a deterministic generator: resent sessions that span hours,
// phones that come back on other days, failed sends, verifies and bills arriving hours late (in
// later inserts, so the views add them to hours and days already written), a verify of an unknown
// send, and a batch inserted twice (a duplicate that slipped past the collectors).
const T0 = at('2026-11-20T21:17:00Z');
const SENDS = 2_400;
const APPS = ['shop', 'bank'];
const PLACES = [
  ['GB', '+44 791'],
  ['GB', '+44 792'],
  ['ID', '+62 812'],
  ['US', '+1 415'],
] as const;
const PROVIDERS = ['twilio', 'vonage'];

/** Deterministic pseudo-random integer in [0, n) for (i, salt). */
function pick(i: number, salt: number, n: number): number {
  const x = Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453;
  return Math.floor((x - Math.floor(x)) * n);
}

function sends(): SendRow[] {
  return Array.from({ length: SENDS }, (_, i) => {
    const [country, prefix] = PLACES[pick(i, 1, PLACES.length)]!;
    const failed = pick(i, 2, 25) === 0;
    return {
      event_id: `s${i}`,
      ts: T0 + i * 83_000 + pick(i, 3, 60_000),
      app: APPS[pick(i, 4, APPS.length)]!,
      flow: pick(i, 5, 2) === 0 ? 'login' : 'signup',
      // Every fifth send is a resend: the session of the send before, often in another hour.
      session_id: i % 5 === 4 ? `x${i - 1}` : `x${i}`,
      phone_hash: `p${i % 700}`,
      block_hash: `b${i % 70}`,
      country,
      prefix,
      number_type: 'mobile',
      ip: '192.0.2.1',
      ip_subnet: '192.0.2.0/24',
      asn: 64_500 + pick(i, 6, 3),
      asn_org: 'Example',
      asn_hosting: 0,
      channel: 'sms',
      provider: PROVIDERS[pick(i, 7, PROVIDERS.length)]!,
      message_id: `m${i}`,
      status: failed ? 'failed' : 'accepted',
      cost: failed ? 0 : 0.0125 * (1 + pick(i, 8, 4)),
      currency: 'USD',
      cost_usd: failed ? 0 : 0.0125 * (1 + pick(i, 8, 4)),
      device_id: '',
      user_agent: '',
      session_start: i % 5 === 4 ? 0 : 1,
    };
  });
}

const scopeOf = (s: SendRow) => ({
  send_ts: s.ts,
  app: s.app,
  flow: s.flow,
  country: s.country,
  prefix: s.prefix,
  asn: s.asn,
  provider: s.provider,
});

function verifies(all: SendRow[]): VerifyRow[] {
  const verified = new Set<string>();
  const rows = all
    .filter((s, i) => s.status === 'accepted' && pick(i, 9, 10) < 8)
    .map((s, n) => ({
      event_id: `v${n}`,
      // Most within a minute, some three hours later: counted in the minute of the send either way.
      ts: s.ts + (n % 9 === 0 ? 3 * HOUR : 20_000),
      session_id: s.session_id,
      phone_hash: s.phone_hash,
      ip: s.ip,
      ip_subnet: s.ip_subnet,
      success: (n % 6 === 0 ? 0 : 1) as 0 | 1,
      // As the ingestor marks it: the session's first successful verify.
      session_verified: (n % 6 !== 0 && !verified.has(s.session_id) && verified.add(s.session_id) ? 1 : 0) as 0 | 1,
      ...scopeOf(s),
    }));
  const unknown = { send_ts: 0, app: 'shop', flow: '', country: '', prefix: '', asn: 0, provider: '' };
  return [
    ...rows,
    {
      event_id: 'v-unknown',
      ts: T0 + 5 * HOUR,
      session_id: 'nobody',
      phone_hash: 'p-x',
      ip: '',
      ip_subnet: '',
      success: 1,
      session_verified: 0,
      ...unknown,
    },
  ];
}

const bills = (all: SendRow[]): BillingRow[] =>
  all
    .filter((s) => s.status === 'accepted')
    .map((s) => ({
      event_id: s.message_id,
      ts: s.ts + 2 * HOUR,
      segments: 1,
      cost: s.cost_usd * 1.5,
      currency: 'USD',
      cost_usd: s.cost_usd * 1.5,
      ...scopeOf(s),
    }));

const receipts = (all: SendRow[]): ReceiptRow[] =>
  all
    .filter((s) => s.status === 'accepted')
    .map((s, n) => ({
      event_id: `twilio:${s.message_id}:${n % 11 === 0 ? 'undelivered' : 'delivered'}`,
      ts: s.ts + 4_000,
      message_id: s.message_id,
      status: n % 11 === 0 ? 'undelivered' : 'delivered',
      error_code: n % 11 === 0 ? '30003' : '',
      phone_hash: s.phone_hash,
      mcc_mnc: '',
      ...scopeOf(s),
    }));

const END = T0 + SENDS * 83_000;
const QUERIES: { what: string; params: TrafficSeriesParams; reads: string[] }[] = [
  {
    what: 'hourly, whole range, ragged edges',
    params: { fromMs: T0 + 7 * MINUTE + 13_000, toMs: END - 3 * MINUTE, intervalMinutes: 60, limit: 20, filters: {} },
    reads: ['traffic_1h', 'traffic_1m'],
  },
  {
    what: 'daily by country',
    params: { fromMs: T0, toMs: END, intervalMinutes: 1440, groupBy: 'country', limit: 20, filters: {} },
    reads: ['traffic_1d', 'traffic_1h', 'traffic_1m'],
  },
  {
    what: 'daily, top provider only',
    params: {
      fromMs: at('2026-11-20T00:00:00Z'),
      toMs: at('2026-11-24T00:00:00Z'),
      intervalMinutes: 1440,
      groupBy: 'provider',
      limit: 1,
      filters: {},
    },
    reads: ['traffic_1d'],
  },
  {
    what: 'hourly by prefix in one country',
    params: { fromMs: T0, toMs: END, intervalMinutes: 60, groupBy: 'prefix', limit: 20, filters: { country: 'GB' } },
    reads: ['traffic_1h', 'traffic_1m'],
  },
  {
    what: 'hourly for one app and provider',
    params: { fromMs: T0 + HOUR, toMs: END - HOUR, intervalMinutes: 60, limit: 20, filters: { app: 'shop', provider: 'vonage' } },
    reads: ['traffic_1h', 'traffic_1m'],
  },
  {
    what: 'daily by app',
    params: { fromMs: T0, toMs: END, intervalMinutes: 1440, groupBy: 'app', limit: 20, filters: {} },
    reads: ['traffic_1d', 'traffic_1h', 'traffic_1m'],
  },
];

async function expectPathsAgree(): Promise<void> {
  for (const { what, params, reads } of QUERIES) {
    expect(
      rollupSpans(params).map((s) => s.rollup.table),
      what,
    ).toEqual(reads);
    const coarse = await trafficSeries(store, params);
    expect(coarse.length, what).toBeGreaterThan(0);
    expect(coarse, what).toEqual(await trafficSeries(store, params, MINUTES_ONLY));
  }
}

const total = async (params: TrafficSeriesParams) =>
  (await trafficSeries(store, params)).reduce(
    (sum, p) => ({ sends: sum.sends + p.sends, verified: sum.verified + p.verified_sessions, billed: sum.billed + p.billed_messages }),
    { sends: 0, verified: 0, billed: 0 },
  );

describe('hourly and daily rollups', () => {
  const all = sends();
  const whole: TrafficSeriesParams = {
    fromMs: at('2026-11-20T00:00:00Z'),
    toMs: at('2026-11-24T00:00:00Z'),
    intervalMinutes: 1440,
    limit: 20,
    filters: {},
  };

  it('answer what the minutes answer, with late verifies, late bills and a duplicate batch', async () => {
    for (let i = 0; i < all.length; i += 400) await insertRows(store, 'send', all.slice(i, i + 400));
    await insertRows(store, 'receipt', receipts(all));
    await insertRows(store, 'send', all.slice(100, 110));
    // Late, in inserts of their own, after every send: they land in hours and days already written.
    await insertRows(store, 'verify', verifies(all));
    await insertRows(store, 'billing', bills(all));
    await expectPathsAgree();
    const accepted = all.filter((s) => s.status === 'accepted').length;
    expect(await total(whole)).toMatchObject({ sends: SENDS + 10, billed: accepted });
  });

  it('are rebuilt with the minutes after an unclean stop, without counting a minute twice', async () => {
    const before = await total(whole);
    // What a crash between the raw part and its views leaves: raw rows that no rollup counted, in
    // minutes and hours that already hold other sends.
    const late = sends()
      .slice(0, 30)
      .map((s) => ({ ...s, event_id: `late-${s.event_id}`, session_id: `late-${s.session_id}`, message_id: `late-${s.message_id}` }));
    await store.client.command({ query: 'DETACH TABLE traffic_1m_sends_mv' });
    try {
      await insertRows(store, 'send', late);
    } finally {
      await store.client.command({ query: 'ATTACH TABLE traffic_1m_sends_mv' });
    }
    expect(await total(whole)).toEqual(before);
    const rebuilt = await repairRollups(store, (await lastIngestedAt(store)) - MINUTE);
    expect(rebuilt).toBeGreaterThanOrEqual(30);
    expect(await total(whole)).toEqual({ ...before, sends: before.sends + late.length });
    await expectPathsAgree();
  });

  it("give the spend report traffic_1m's sums: cells per provider, country and app, and spend since each instant", async () => {
    const [fromMs, toMs] = [T0 + 7 * MINUTE + 13_000, END - 3 * MINUTE];
    const minutes = async <R>(query: string, params: Record<string, unknown>) =>
      (await store.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<R>();
    const window = 'minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64})) AND minute < fromUnixTimestamp64Milli({to:Int64})';
    const cells = await minutes<Record<string, unknown>>(
      `SELECT provider, country, app, toUInt64(sum(sends)) AS sends, round(sum(cost_est_usd), 6) AS estimated_usd, round(sum(cost_billed_usd), 6) AS billed_usd,
              toUInt64(sum(billed_messages)) AS billed_messages FROM traffic_1m WHERE ${window} GROUP BY provider, country, app ORDER BY provider, country, app`,
      { from: fromMs, to: toMs },
    );
    const round6 = (usd: number) => Math.round(usd * 1e6) / 1e6;
    const got = (await spendCells(store, { fromMs, toMs }))
      .map((c) => ({ ...c, estimated_usd: round6(c.estimated_usd), billed_usd: round6(c.billed_usd) }))
      .sort((a, b) => `${a.provider} ${a.country} ${a.app}`.localeCompare(`${b.provider} ${b.country} ${b.app}`));
    expect(cells.length).toBeGreaterThan(5);
    expect(got).toEqual(cells);

    // Two instants inside hours and days, as the month to date and the last day's pace are.
    const sinceMs = [T0 + 5 * HOUR + 17 * MINUTE, END - DAY - 11 * MINUTE];
    const scopes: Record<string, string>[] = [{}, { country: 'GB' }, { app: 'shop', provider: 'vonage' }, { asn: '64501' }];
    const expected = await Promise.all(
      scopes.map(async (scope) => {
        const where = Object.keys(scope).map((key) => `toString(${key}) = {${key}:String}`);
        return Promise.all(
          sinceMs.map(async (since) => {
            const [row] = await minutes<{ usd: number }>(
              `SELECT sum(cost_est_usd) AS usd FROM traffic_1m WHERE ${[window, ...where].join(' AND ')}`,
              { ...scope, from: since, to: toMs },
            );
            return round6(row!.usd);
          }),
        );
      }),
    );
    expect(expected.flat().every((usd) => usd > 0)).toBe(true);
    expect(await scopeSpend(store, { sinceMs, toMs, scopes })).toEqual(expected);
  });
});
