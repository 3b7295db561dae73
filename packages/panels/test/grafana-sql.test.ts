import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendRow, VerifyRow } from '@tollgate/events';
import { insertRows, trafficSeries, type Store } from '@tollgate/store';
import { openTempStore } from '@tollgate/store/testing';
import type { PanelSqlRequest } from '../src/index.ts';
import { grafanaSql } from '../src/grafana-sql.ts';
import { expandGrafanaMacros } from '../src/testing/grafana-macros.ts';

let store: Store;
let dispose: () => Promise<void>;

const T0 = Date.parse('2026-11-20T10:00:00Z');
const HOUR = 3_600_000;
const FROM = T0;
const TO = T0 + 3 * HOUR;

beforeAll(async () => {
  ({ store, dispose } = await openTempStore('grafana-sql'));
  const sends: SendRow[] = [];
  const verifies: VerifyRow[] = [];
  // Three hours, two countries; GB converts 3 in 4, UZ 1 in 10 and costs more.
  for (let i = 0; i < 120; i++) {
    const uz = i % 3 === 0;
    const ts = T0 + Math.floor(i / 40) * HOUR + i * 1_000;
    const session = `s${i}`;
    sends.push({
      event_id: `e${i}`,
      ts,
      app: 'shop',
      flow: 'signup',
      session_id: session,
      phone_hash: `p${i}`,
      block_hash: `b${i}`,
      country: uz ? 'UZ' : 'GB',
      prefix: uz ? '+998 977' : '+44 740',
      number_type: 'mobile',
      ip: '198.51.100.1',
      ip_subnet: '198.51.100.0/24',
      asn: 0,
      asn_org: '',
      asn_hosting: 0,
      channel: 'sms',
      provider: uz ? 'vonage' : 'twilio',
      message_id: `m${i}`,
      status: 'accepted',
      cost: uz ? 0.25 : 0.04,
      currency: 'USD',
      cost_usd: uz ? 0.25 : 0.04,
      device_id: '',
      user_agent: '',
      session_start: 1,
    } as SendRow);
    if (uz ? i % 10 === 0 : i % 4 !== 0) {
      verifies.push({
        event_id: `v${i}`,
        ts: ts + 30_000,
        app: 'shop',
        flow: 'signup',
        session_id: session,
        phone_hash: `p${i}`,
        success: 1,
        session_verified: 1,
        failure_reason: '',
        send_ts: ts,
        country: uz ? 'UZ' : 'GB',
        prefix: uz ? '+998 977' : '+44 740',
        asn: 0,
        provider: uz ? 'vonage' : 'twilio',
      } as unknown as VerifyRow);
    }
  }
  await insertRows(store, 'send', sends);
  await insertRows(store, 'verify', verifies);
});
afterAll(() => dispose());

async function run(query: PanelSqlRequest, intervalS = 3600): Promise<{ meta: { name: string }[]; data: Record<string, unknown>[] }> {
  const generated = grafanaSql(query);
  if (!generated.ok) throw new Error(generated.reason);
  const rs = await store.client.query({ query: expandGrafanaMacros(generated.sql, { fromMs: FROM, toMs: TO, intervalS }), format: 'JSON' });
  const { meta = [], data } = await rs.json<Record<string, unknown>>();
  return { meta, data };
}

const traffic = (
  form: PanelSqlRequest['form'],
  fields: string[],
  params: Record<string, string> = {},
  extra: Partial<PanelSqlRequest> = {},
): PanelSqlRequest => ({
  path: '/v1/metrics/traffic',
  params,
  fields,
  form,
  ...extra,
});

describe('Grafana SQL shows the numbers the API shows', () => {
  it('sends per hour', async () => {
    const grafana = await run(traffic('timeseries', ['sends', 'cost_est_usd']));
    const api = await trafficSeries(store, { fromMs: FROM, toMs: TO, intervalMinutes: 60, limit: 10, filters: {} });
    expect(grafana.data.map((r) => Number(r.sends))).toEqual(api.map((p) => p.sends));
    expect(grafana.data.map((r) => Number(r.cost_est_usd))).toEqual(api.map((p) => p.cost_est_usd));
    expect(grafana.meta.map((m) => m.name)).toEqual(['time', 'sends', 'cost_est_usd']);
  });

  it('spend by country, largest first', async () => {
    const grafana = await run(traffic('totals', ['cost_est_usd', 'sends'], { group_by: 'country', limit: '10' }));
    // One daily bucket holds the whole range.
    const api = await trafficSeries(store, { fromMs: FROM, toMs: TO, intervalMinutes: 1440, groupBy: 'country', limit: 10, filters: {} });
    const byCountry = Object.fromEntries(api.map((p) => [p.key, p.cost_est_usd]));
    expect(grafana.data.map((r) => r.country)).toEqual(['UZ', 'GB']);
    for (const row of grafana.data) expect(Number(row.cost_est_usd)).toBeCloseTo(byCountry[row.country as string] as number, 6);
  });

  it('one line per group for a grouped series, the largest groups only', async () => {
    const grafana = await run(traffic('timeseries', ['sends'], { group_by: 'provider', limit: '1' }));
    const api = await trafficSeries(store, { fromMs: FROM, toMs: TO, intervalMinutes: 60, groupBy: 'provider', limit: 1, filters: {} });
    expect(new Set(api.map((p) => p.key))).toEqual(new Set(['twilio']));
    expect(new Set(grafana.data.map((r) => r.provider))).toEqual(new Set(['twilio']));
    expect(grafana.data.map((r) => Number(r.sends))).toEqual(api.map((p) => p.sends));
  });

  it('conversion as a single ratio', async () => {
    const grafana = await run(
      traffic('single', ['verified_sessions'], {}, { ratio: { numerator: 'verified_sessions', denominator: 'sessions' } }),
    );
    const [all, ...none] = await trafficSeries(store, { fromMs: FROM, toMs: TO, intervalMinutes: 1440, limit: 10, filters: {} });
    expect(none).toEqual([]);
    expect(Number(grafana.data[0]?.verified_sessions)).toBeCloseTo(Math.round((all!.verified_sessions / all!.sessions) * 1e4) / 1e4, 4);
    expect(all!.verified_sessions).toBeGreaterThan(0);
  });

  it('active breakers, read from the documents the registry stores', async () => {
    const doc = (id: string, state: string) =>
      JSON.stringify({
        id,
        state,
        scope: { prefix: '+998 977' },
        action: { kind: 'block' },
        mode: 'enforce',
        reason: { kind: 'manual', actor: 'ana', note: 'pumping' },
      });
    await store.client.insert({
      table: 'breakers',
      values: [
        { id: 'b1', version: 1, state: 'open', updated_at: T0, doc: doc('b1', 'open') },
        { id: 'b2', version: 1, state: 'open', updated_at: T0, doc: doc('b2', 'open') },
        { id: 'b2', version: 2, state: 'closed', updated_at: T0 + HOUR, doc: doc('b2', 'closed') },
      ],
      format: 'JSONEachRow',
    });
    const active = await run({
      path: '/v1/breakers',
      form: 'rows',
      fields: ['id', 'state', 'action', 'mode', 'scope', 'reason'],
      params: { state: 'active' },
    });
    expect(active.data.map((r) => [r.id, r.state, r.action, r.mode, JSON.parse(r.scope as string), r.reason])).toEqual([
      ['b1', 'open', 'block', 'enforce', { prefix: '+998 977' }, 'manual'],
    ]);
  });

  it("open anomalies, with the detector's summary", async () => {
    const row = (version: number, state: string) => ({
      id: 'a1',
      version,
      kind: 'volume_spike',
      scope_key: 'country=UZ',
      state,
      severity: 'critical',
      action: 'block',
      app: '',
      flow: '',
      country: 'UZ',
      prefix: '',
      asn: 0,
      provider: '',
      score: 9,
      cost_per_hour_usd: 41.257,
      opened_at: T0 + HOUR,
      updated_at: T0 + HOUR,
      resolved_at: 0,
      doc: JSON.stringify({ id: 'a1', kind: 'volume_spike', summary: 'Sends to UZ at 12x the usual' }),
    });
    await store.client.insert({
      table: 'anomalies',
      values: [row(1, 'open'), { ...row(2, 'open'), id: 'a2', state: 'resolved' }],
      format: 'JSONEachRow',
    });
    const open = await run({
      path: '/v1/anomalies',
      form: 'rows',
      fields: ['kind', 'summary', 'costPerHourUsd'],
      params: { state: 'open' },
    });
    expect(open.data.map((r) => [r.kind, r.severity, r.summary, r.costPerHourUsd])).toEqual([
      ['volume_spike', 'critical', 'Sends to UZ at 12x the usual', 41.26],
    ]);
  });

  it.each([
    ['/v1/metrics/delivery', 'timeseries', ['p50_ms', 'p90_ms', 'delivered_share'], { group_by: 'carrier' }],
    ['/v1/metrics/decisions', 'totals', ['blocked', 'challenged'], { group_by: 'prefix' }],
    ['/v1/anomalies', 'rows', ['openedAt', 'kind', 'severity', 'summary', 'costPerHourUsd'], { state: 'open' }],
    ['/v1/breakers', 'rows', ['updatedAt', 'id', 'state', 'action', 'scope'], { state: 'active' }],
  ] as const)('%s runs on the schema and returns the panel fields', async (path, form, fields, params) => {
    const result = await run({ path, form, fields, params });
    const columns = result.meta.map((m) => m.name);
    for (const field of fields) expect(columns).toContain(field);
  });
});

describe('panels without a ClickHouse form say why', () => {
  it.each([
    [{ path: '/v1/spend', params: {}, fields: ['forecastUsd'], form: 'single' }, /computed by the Tollgate server/],
    [traffic('single', ['no_such_field']), /no no_such_field/],
    [
      { path: '/v1/metrics/decisions', params: {}, fields: ['saved_usd'], form: 'single' },
      /server computes saved_usd: it prices each blocked send/,
    ],
    [traffic('totals', ['sends'], { group_by: 'planet' }), /cannot group by planet/],
    [traffic('totals', ['sends'], { group_by: 'country', limit: 'ten' }), /limit must be a positive whole number/],
    [{ path: '/v1/anomalies', params: { state: "open' OR 1=1 --" }, fields: ['kind'], form: 'rows' }, /no filter state=/],
  ] as const)('%j', (query, reason) => {
    const generated = grafanaSql(query as PanelSqlRequest);
    expect(generated.ok).toBe(false);
    expect(!generated.ok && generated.reason).toMatch(reason);
  });
});
