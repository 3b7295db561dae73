/**
 * `GET /v1/metrics/traffic` with `fields`: a point holds the fields asked and nothing else, with the
 * values the full answer gives them (over the minute, hourly and daily rollups, grouped or not), and
 * a field the series does not have is refused with the names it has.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAFFIC_MEASURES } from '@tollgate/store';
import { sendEvent, T0, verifyEvent } from '@tollgate/events/testing';
import { openTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await openTestServer('traffic-api');
});
afterAll(() => server.close());

const MINUTE_MS = 60_000;
const SENDS = 30;
// A send every 37 minutes from T0: 30 sends over about 18 hours, in two days' hours; every third to
// Uzbekistan (10 sends at $0.30), the rest to Britain (20 at $0.04); every even-numbered session verifies (15).
const UZ = (i: number) => i % 3 === 0;
const RANGE = `from=${T0 - 3_600_000}&to=${T0 + 2 * 86_400_000}`;
const ALL_FIELDS = ['ts', ...Object.keys(TRAFFIC_MEASURES), 'conversion'];

type Point = Record<string, number | null>;
type Answer = { group_by: string | null; series: { key: string; points: Point[] }[] };

const ingest = (kind: 'send' | 'verify', events: object[]) =>
  server.app.inject({
    method: 'POST',
    url: `/v1/events/${kind}`,
    payload: JSON.stringify(events),
    headers: { ...server.auth('ingest'), 'content-type': 'application/json' },
  });
const traffic = (query: string) => server.app.inject({ url: `/v1/metrics/traffic?${RANGE}&${query}`, headers: server.auth('read') });

async function answer(query: string): Promise<Answer> {
  const res = await traffic(query);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** The full answer cut down to `fields` (and `ts`): what asking for those fields must give. */
function cutTo(full: Answer, fields: string[]): Answer {
  return {
    ...full,
    series: full.series.map(({ key, points }) => ({
      key,
      points: points.map((p) => Object.fromEntries(['ts', ...fields].map((f) => [f, p[f]!]))),
    })),
  };
}

beforeAll(async () => {
  const sends = Array.from({ length: SENDS }, (_, i) =>
    sendEvent(i, {
      ts: new Date(T0 + i * 37 * MINUTE_MS).toISOString(),
      ...(UZ(i) && { phone: `+9989771234${String(i).padStart(2, '0')}`, cost: 0.3 }),
    }),
  );
  expect((await ingest('send', sends)).json()).toMatchObject({ accepted: SENDS, rejected: [] });
  const verifies = sends
    .filter((_, i) => i % 2 === 0)
    .map((send, n) =>
      verifyEvent(n, true, { session_id: send.session_id, ts: new Date(Date.parse(String(send.ts)) + 20_000).toISOString() }),
    );
  expect((await ingest('verify', verifies)).json()).toMatchObject({ accepted: SENDS / 2, rejected: [] });
});

describe('GET /v1/metrics/traffic fields', () => {
  it('answers every field when `fields` is absent', async () => {
    const { series } = await answer('interval=1d');
    expect(series).toHaveLength(1);
    for (const point of series[0]!.points) expect(Object.keys(point).sort()).toEqual([...ALL_FIELDS].sort());
    const sum = (field: string) => series[0]!.points.reduce((n, p) => n + (p[field] ?? 0), 0);
    expect([sum('sends'), sum('sessions'), sum('verified_sessions'), sum('phones')]).toEqual([SENDS, SENDS, SENDS / 2, SENDS]);
    expect(series[0]!.points.every((p) => p.conversion === (p.sessions! > 0 ? p.verified_sessions! / p.sessions! : null))).toBe(true);
  });

  it.each([
    ['sends,cost_est_usd', 'interval=1h'],
    ['cost_est_usd,sends', 'interval=1m'],
    ['phones', 'interval=1d'],
    ['cost_est_usd', 'interval=1d&group_by=country&limit=1'],
    ['verified_sessions,cost_billed_usd', 'interval=1h&group_by=country'],
    ['conversion', 'interval=1h'],
    ['conversion', 'interval=1d&group_by=country'],
    ['conversion,sessions', 'interval=1d'],
    ['sends,sends,failed_sends', 'interval=1d'],
  ])('fields=%s (%s) holds those fields only, valued as in the full answer', async (fields, query) => {
    const asked = [...new Set(fields.split(','))];
    const full = await answer(query);
    const cut = await answer(`${query}&fields=${fields}`);
    expect(cut.series.length).toBeGreaterThan(0);
    for (const { points } of cut.series) for (const point of points) expect(Object.keys(point).sort()).toEqual(['ts', ...asked].sort());
    expect(cut).toEqual(cutTo(full, asked));
  });

  it('keeps the largest groups by sends when sends is not asked', async () => {
    const { series } = await answer('interval=1d&group_by=country&limit=1&fields=verified_sessions');
    expect(series.map((s) => s.key)).toEqual(['GB']);
    // Britain's 20 sends hold 10 verified sessions: the even-numbered sends not divisible by three.
    expect(series[0]!.points.reduce((n, p) => n + p.verified_sessions!, 0)).toBe(10);
  });

  it('keeps the largest groups by the measure a chart shows: the quiet expensive country by cost', async () => {
    expect(
      (await answer('interval=1d&group_by=country&limit=1&fields=cost_est_usd&rank_by=cost_est_usd')).series.map((s) => s.key),
    ).toEqual(['UZ']);
    expect((await answer('interval=1d&group_by=country&limit=1&fields=cost_est_usd&rank_by=sends')).series.map((s) => s.key)).toEqual([
      'GB',
    ]);
    const refused = await traffic('interval=1d&group_by=country&rank_by=mood');
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('TG_REQUEST_INVALID');
  });

  it.each([
    ['mood', ['"mood"']],
    ['sends,constructor', ['"constructor"']],
    ['__proto__,sends', ['"__proto__"']],
    ['', ['""']],
    ['sends,,cost_est_usd', ['""']],
    ['sends, cost_est_usd', ['" cost_est_usd"']],
    ['ts', ['"ts"']],
  ])('refuses fields=%j with the field, naming the unknown and the allowed names', async (fields, unknown) => {
    const res = await traffic(`interval=1h&fields=${encodeURIComponent(fields)}`);
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error).toMatchObject({ code: 'TG_REQUEST_INVALID', field: 'fields', details: { allowed: ALL_FIELDS.slice(1) } });
    for (const name of unknown) expect(error.message).toContain(name);
    expect(error.message).toContain(ALL_FIELDS.slice(1).join(', '));
  });

  it('documents `fields` in the OpenAPI document, with the names it takes', async () => {
    const doc = (await server.app.inject({ url: '/docs/json' })).json();
    const parameter = doc.paths['/v1/metrics/traffic'].get.parameters.find((p: { name: string }) => p.name === 'fields');
    expect(parameter).toMatchObject({ in: 'query', required: false, schema: { type: 'string' } });
    expect(parameter.description).toContain(ALL_FIELDS.slice(1).join(', '));
  });
});
