/**
 * Spend by country picks its countries by the money it shows, in headless Chromium: twelve busy
 * countries at $0.01 a send and one quiet country at $0.40. Ranked by sends (what the pages did
 * before) the quiet one is the thirteenth and falls off a top ten; ranked by cost it leads.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTRIES } from '@tollgate/simulator';
import { ADMIN_HEADERS, shot, startDashboard, type DashboardFixture } from './support/dashboard-fixture.ts';

const MINUTE_MS = 60_000;
const BUSY = ['US', 'IN', 'BR', 'MX', 'GB', 'DE', 'FR', 'ES', 'IT', 'TR', 'CA', 'CO'] as const;
const QUIET = 'PG';
const BUSY_SENDS = 40;
const QUIET_SENDS = 3;
const BUSY_PRICE_USD = 0.01;
const QUIET_PRICE_USD = 0.4;
const TOP = 10;

/** The `i`-th number of a country's first mobile range: valid, and distinct per `i`. */
function phoneIn(iso: string, i: number): string {
  const range = COUNTRIES.find((country) => country.iso === iso)!.mobileRanges[0]!;
  return `+${range.callingCode}${range.leading}${String(i).padStart(range.length - range.leading.length, '0')}`;
}

function sends(iso: string, count: number, costUsd: number, nowMs: number) {
  return Array.from({ length: count }, (_, i) => ({
    event_id: `rank-${iso}-${i}`,
    ts: nowMs - 90 * MINUTE_MS + i * MINUTE_MS,
    app: 'shop',
    flow: 'signup',
    session_id: `rank-${iso}-${i}`,
    phone: phoneIn(iso, i + 1),
    ip: `198.51.100.${(i % 250) + 1}`,
    provider: 'twilio',
    status: 'accepted',
    cost: costUsd,
  }));
}

let fixture: DashboardFixture;

beforeAll(async () => {
  fixture = await startDashboard('web-ranking', {
    async prepare(server) {
      const nowMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
      const events = [
        ...BUSY.flatMap((iso) => sends(iso, BUSY_SENDS, BUSY_PRICE_USD, nowMs)),
        ...sends(QUIET, QUIET_SENDS, QUIET_PRICE_USD, nowMs),
      ];
      const result = await server.core.ingestor.submit(
        'send',
        events.map((value, i) => ({ line: i + 1, value })),
      );
      expect(result.ok && result.accepted).toBe(events.length);
    },
  });
}, 300_000);

afterAll(async () => {
  await fixture?.close();
});

/** The countries the API ranks first by `rankBy` over the last day. */
async function topCountries(rankBy: 'sends' | 'cost_est_usd'): Promise<string[]> {
  const nowMs = Date.now();
  const answer = await fixture.server.app.inject({
    url: `/v1/metrics/traffic?interval=1d&group_by=country&limit=${TOP}&rank_by=${rankBy}&from=${nowMs - 86_400_000}&to=${nowMs}&fields=sends`,
    headers: ADMIN_HEADERS,
  });
  return answer.json().series.map((s: { key: string }) => s.key);
}

const categoriesOf = async (page: Page, panel: string) => {
  await page.waitForSelector(`[data-panel=${panel}] [data-x]`);
  return ((await page.getAttribute(`[data-panel=${panel}] [data-x]`, 'data-x')) ?? '').split(',');
};

describe('spend by country is ranked by spend', () => {
  it('the fixture is one a ranking by sends gets wrong: the quiet expensive country is not in its top ten', async () => {
    expect(await topCountries('sends')).not.toContain(QUIET);
    expect(await topCountries('cost_est_usd')).toContain(QUIET);
  });

  it('overview: the spend-by-country chart shows the quiet expensive country', async () => {
    const page = await fixture.signIn('finance', '/');
    const shown = await categoriesOf(page, 'cost-by-country');
    expect(shown).toContain(QUIET);
    expect(shown).toHaveLength(TOP);
    await page.waitForSelector('[data-panel=cost-by-country] .recharts-bar-rectangle');
    await shot(page, 'ranking-overview');
    await page.context().close();
  });

  it('spend: the month by country lists it', async () => {
    const page = await fixture.signIn('finance', '/spend');
    await page.waitForSelector('[data-panel=spend-by-country] tbody tr');
    const countries = await page.locator('[data-panel=spend-by-country] tbody tr td:first-child').allTextContents();
    expect(countries).toContain(QUIET);
    await page.context().close();
  });

  it('traffic explorer: countries by estimated cost, the quiet expensive one first', async () => {
    const page = await fixture.signIn('viewer', '/traffic?range=24h');
    await page.waitForSelector('[data-testid=groups] tbody tr');
    expect(await page.textContent('[data-testid=groups] tbody tr td')).toBe(QUIET);
    await page.selectOption('select[name=rank]', 'sends');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/rank=sends/);
    await page.waitForSelector('[data-testid=groups] tbody tr');
    expect(await page.textContent('[data-testid=groups] tbody tr td')).not.toBe(QUIET);
    await page.context().close();
  });
});
