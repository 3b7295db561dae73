/**
 * Provider contracts through the API and the real store: rate card and commitment CSVs (bad rows
 * named by line and field), the card in force at a send's hour pricing it, commitments against the
 * month's spend, and bills reconciled into the month of their send however late they arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContractCsv, type ReconciliationLine } from '@tollgate/spend';
import { openTestServer, type TestServer } from './support/test-server.ts';
import { sendEvent } from '@tollgate/events/testing';
import { billingEvent } from './fixtures/wire-events.fixture.ts';

const HOUR = 3_600_000;
/** The spend page is read on the 20th of November. */
const NOW = Date.parse('2026-11-20T12:00:00Z');
const OCT_31 = Date.parse('2026-10-31T23:30:00Z');
/** The day before and the first hour of the new card (effective 2026-11-15). */
const BEFORE_NEW_CARD = Date.parse('2026-11-14T23:30:00Z');
const AFTER_NEW_CARD = Date.parse('2026-11-15T00:30:00Z');

const RATE_CARD = `provider,country,price,currency,effective_from
twilio,GB,0.04,USD,2026-10-01
twilio,GB,0.05,USD,2026-11-15
`;
const COMMITMENTS = `provider,monthly_minimum,effective_from
twilio,100,2026-10
vonage,50,2026-12
`;

type Line = ReconciliationLine;

describe('contract CSV files', () => {
  it.each([
    ['an unknown country', 'twilio,ZZ,0.04,USD,2026-10-01', 'country'],
    ['a price that is not a number', 'twilio,GB,4 cents,USD,2026-10-01', 'price'],
    ['a negative price', 'twilio,GB,-0.04,USD,2026-10-01', 'price'],
    ['a price past a hundred dollars (a misplaced decimal point)', 'twilio,GB,400,USD,2026-10-01', 'price'],
    ['an unknown currency', 'twilio,GB,0.04,XYZ,2026-10-01', 'currency'],
    ['a date that does not exist', 'twilio,GB,0.04,USD,2026-02-30', 'effective_from'],
    ['a time off the hour', 'twilio,GB,0.04,USD,2026-11-15T10:30:00Z', 'effective_from'],
    ['a time without its zone', 'twilio,GB,0.04,USD,2026-11-15T10:00:00', 'effective_from'],
    ['a provider name with a space', 'twi lio,GB,0.04,USD,2026-10-01', 'provider'],
  ])('rejects %s with its line and field, and keeps the good rows', (_name, bad, field) => {
    const parsed = parseContractCsv(`provider,country,price,currency,effective_from\ntwilio,US,0.0079,USD,2026-10-01\n\n${bad}\n`);
    expect(parsed.kind).toBe('rate_card');
    expect(parsed.rows.map((r) => r.line)).toEqual([2]);
    expect(parsed.rejected).toEqual([{ line: 4, field, reason: expect.any(String) }]);
  });

  it('rejects a second price for the same route and date, naming the first line', () => {
    const parsed = parseContractCsv(
      'provider,country,price,effective_from\ntwilio,GB,0.04,2026-10-01\ntwilio,gb,0.05,2026-10-01T00:00:00Z\n',
    );
    expect(parsed.rejected).toEqual([{ line: 3, field: 'effective_from', reason: expect.stringContaining('line 2') }]);
  });

  it('rejects a file without a required column on the header line', () => {
    const parsed = parseContractCsv('provider,country,effective_from\ntwilio,GB,2026-10-01\n');
    expect(parsed.rejected).toEqual([{ line: 1, field: 'price', reason: expect.stringContaining('no price column') }]);
  });

  it.each([
    ['a commitment for a day that is not the first', 'twilio,100,2026-11-15', 'effective_from'],
    ['a negative minimum', 'twilio,-5,2026-11', 'monthly_minimum'],
    ['a month 13', 'twilio,100,2026-13', 'effective_from'],
  ])('commitments: rejects %s', (_name, bad, field) => {
    const parsed = parseContractCsv(`provider,monthly_minimum,effective_from\n${bad}\n`);
    expect(parsed.kind).toBe('commitments');
    expect(parsed.rejected).toEqual([{ line: 2, field, reason: expect.any(String) }]);
  });

  it('converts prices in other currencies to USD and keeps what the file said', () => {
    const parsed = parseContractCsv('provider,country,price,currency,effective_from\nvonage,DE,0.07,EUR,2026-10-01\n');
    expect(parsed.kind === 'rate_card' && parsed.rows[0]!.row).toMatchObject({
      price: 0.07,
      currency: 'EUR',
      price_usd: expect.closeTo(0.075, 2),
    });
  });
});

describe('contracts through the API', () => {
  let server: TestServer;
  let i = 0;
  const send = (ts: number, overrides: Record<string, unknown> = {}) => {
    i += 1;
    return sendEvent(1000 + i, {
      ts: new Date(ts).toISOString(),
      event_id: `contract-send-${i}`,
      message_id: `SMcontract${String(i).padStart(24, '0')}`,
      ...overrides,
    });
  };
  const post = async (path: string, events: unknown[]) => {
    const res = await server.app.inject({ method: 'POST', url: path, payload: events, headers: server.auth('ingest') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().accepted).toBe(events.length);
  };
  const importCsv = (csv: string, source = 'contract.csv') =>
    server.app.inject({
      method: 'POST',
      url: `/v1/spend/contracts?source=${source}`,
      payload: csv,
      headers: { ...server.auth('operate'), 'content-type': 'text/csv' },
    });
  const spend = async (query = '') => {
    const res = await server.app.inject({
      method: 'GET',
      url: `/v1/spend?to=${new Date(NOW).toISOString()}${query}`,
      headers: server.auth('read'),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const line = (report: { reconciliation: Line[] }, key: string) => report.reconciliation.find((l) => l.key === key);

  beforeAll(async () => {
    server = await openTestServer('contracts', { clock: () => NOW });
    const october = [send(OCT_31), send(OCT_31)];
    // Sends that carried no cost of their own: the rate card still prices them.
    const before = [send(BEFORE_NEW_CARD, { cost: 0 }), send(BEFORE_NEW_CARD, { cost: 0 }), send(BEFORE_NEW_CARD, { cost: 0 })];
    const after = [send(AFTER_NEW_CARD), send(AFTER_NEW_CARD), send(AFTER_NEW_CARD), send(AFTER_NEW_CARD)];
    const unpriced = [send(AFTER_NEW_CARD, { provider: 'sinch', message_id: 'SMcontract-sinch-1' })];
    await post('/v1/events/send', [...october, ...before, ...after, ...unpriced]);
    // October's bills arrive nearly three weeks into November (an export of last month); November's the day after their sends.
    await post('/v1/events/billing', [
      ...october.map((s) => billingEvent(String(s.message_id), { ts: new Date(OCT_31 + 19 * 24 * HOUR).toISOString(), cost: 0.045 })),
      ...[...before, ...after].map((s) =>
        billingEvent(String(s.message_id), { ts: new Date(AFTER_NEW_CARD + 24 * HOUR).toISOString(), cost: 0.05 }),
      ),
    ]);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('imports a rate card and lists its versions', async () => {
    const res = await importCsv(RATE_CARD, 'twilio-2026.csv');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ kind: 'rate_card', accepted: 2, rejected: [] });
    const listed = await server.app.inject({
      method: 'GET',
      url: '/v1/spend/contracts?provider=twilio&country=GB',
      headers: server.auth('read'),
    });
    expect(
      listed
        .json()
        .rateCards.map((c: { effectiveFrom: string; priceUsd: number; source: string }) => [c.effectiveFrom, c.priceUsd, c.source]),
    ).toEqual([
      ['2026-10-01T00:00:00.000Z', 0.04, 'twilio-2026.csv'],
      ['2026-11-15T00:00:00.000Z', 0.05, 'twilio-2026.csv'],
    ]);
  });

  it('prices each send with the card in force at its hour: three before the new card, four after', async () => {
    await importCsv(RATE_CARD);
    const november = line(await spend('&reconciliation_months=2'), '2026-11 twilio GB');
    expect(november).toMatchObject({ sends: 7, unpricedSends: 0, estimatedUsd: 0.16 });
    expect(november!.contractUsd).toBeCloseTo(3 * 0.04 + 4 * 0.05, 6);
  });

  it('reconciles bills that arrived weeks into the next month with the month of their sends', async () => {
    const report = await spend('&reconciliation_months=2');
    const october = line(report, '2026-10 twilio GB');
    expect(october).toMatchObject({
      sends: 2,
      billedMessages: 2,
      billedUsd: 0.09,
      contractUsd: 0.08,
      expectedUsd: 0.08,
      differenceUsd: 0.01,
    });
    expect(line(report, '2026-11 twilio GB')).toMatchObject({ billedMessages: 7, billedUsd: 0.35, differenceUsd: 0.03 });
  });

  it("falls back to the services' estimate where no card covers the route, and reconciles only the months asked for", async () => {
    const report = await spend('&reconciliation_months=1');
    expect(report.reconciliation.map((l: Line) => l.key)).toEqual(['2026-11 sinch GB', '2026-11 twilio GB']);
    expect(line(report, '2026-11 sinch GB')).toMatchObject({
      sends: 1,
      contractUsd: null,
      unpricedSends: 1,
      expectedUsd: 0.04,
      billedUsd: 0,
      differenceUsd: -0.04,
    });
  });

  it("shows the commitments in force this month against the provider's spend, with the shortfall at this pace", async () => {
    const res = await importCsv(COMMITMENTS, 'commitments.csv');
    expect(res.json()).toEqual({ kind: 'commitments', accepted: 2, rejected: [] });
    const { month, reconciliation } = await spend();
    // Reconciliation reads whole months: only given when asked for.
    expect(reconciliation).toEqual([]);
    // vonage's commitment starts in December: not this month's.
    expect(month.commitments).toEqual([
      {
        provider: 'twilio',
        label: 'provider=twilio',
        monthlyMinimumUsd: 100,
        effectiveFrom: '2026-10-01T00:00:00.000Z',
        toDateUsd: 0.16,
        forecastUsd: 0.16,
        forecastShare: 0.002,
        shortfallUsd: 99.84,
      },
    ]);
  });

  it('stores the good rows of a mixed file and answers 400 with every line when none is good', async () => {
    const mixed = await importCsv('provider,country,price,effective_from\nvonage,FR,0.07,2026-10-01\nvonage,FR,abc,2026-11-01\n');
    expect(mixed.statusCode).toBe(200);
    expect(mixed.json()).toMatchObject({ accepted: 1, rejected: [{ line: 3, field: 'price' }] });
    const bad = await importCsv('provider,country,price,effective_from\nvonage,FR,abc,2026-11-01\nvonage,QQ,0.07,2026-11-01\n');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: 'TG_REQUEST_INVALID',
      field: 'price',
      details: {
        kind: 'rate_card',
        rejected: [
          { line: 2, field: 'price' },
          { line: 3, field: 'country' },
        ],
      },
    });
  });
});
