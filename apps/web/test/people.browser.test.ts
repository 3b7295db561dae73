/**
 * The dashboard as the three people who open it first use it, in headless Chromium at 1440 and
 * 390 px: fraud on-call paged at 3 a.m., the finance lead, the IAM engineer. The store is filled
 * the way `npm start` fills it: the demo feed's backfill, detection replayed over it, then live
 * traffic that asks the decision API before every send. PagerDuty keys and the Slack token are
 * unset, as on a newcomer's laptop.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_CONFIG } from '@tollgate/detector';
import { createDecideGate, replayDetection, startDemoFeed } from '@tollgate/server/testing/demo';
import { TEST_ADMIN_KEY } from '@tollgate/server/testing';
import { ADMIN_HEADERS as admin, moneyOf, shot, startDashboard, VIEWPORTS, type DashboardFixture } from './support/dashboard-fixture.ts';

const HOUR_MS = 3_600_000;
/** Six hours of history: the replay covers the last three, with two pumping bursts and a verify brute force. */
const BACKFILL_MS = 6 * HOUR_MS;
const DEADLINE_MS = 120_000;
/** The demo's busiest destination: live sends reach it every few seconds. */
const BUSY_COUNTRY = 'US';
/** A budget the demo's spend overruns at once, and one it never nears. */
const TINY_BUDGET_USD = 1;

let fixture: DashboardFixture;
let rulesDir: string;
let feed: { stop(): Promise<void> } | undefined;

/** Waits for `check` to hold, asking again until the deadline: a condition, not a sleep. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, deadlineMs = DEADLINE_MS): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const get = async (url: string) => (await fixture.server.app.inject({ url, headers: admin })).json();

beforeAll(async () => {
  // The shipped rules, with one tiny budget finance must see overrun.
  rulesDir = mkdtempSync(join(tmpdir(), 'tollgate-people-rules-'));
  cpSync(fileURLToPath(new URL('../../../alert-rules/', import.meta.url)), rulesDir, { recursive: true });
  writeFileSync(
    join(rulesDir, 'budgets.yaml'),
    `currency: USD\nbudgets:\n  - country: ${BUSY_COUNTRY}\n    monthly: ${TINY_BUDGET_USD}\n  - app: bank\n    monthly: 10000000\n`,
  );
  fixture = await startDashboard('web-people', {
    alertingEnv: { TOLLGATE_RULES_DIR: rulesDir, PD_FRAUD_KEY: '', PD_IAM_KEY: '' },
    prepare: async () => undefined,
  });
  const { server } = fixture;
  const logger = pino({ level: 'silent' });
  let ready!: () => void;
  const historyReady = new Promise<void>((resolve) => (ready = resolve));
  feed = startDemoFeed({
    ingestor: server.core.ingestor,
    store: server.core.store,
    logger,
    backfillMs: BACKFILL_MS,
    gate: createDecideGate({ baseUrl: fixture.apiUrl, apiKey: TEST_ADMIN_KEY, logger }),
    replayHistory: (fromMs, toMs) =>
      replayDetection({
        store: server.core.store,
        alerting: server.alerting,
        config: { ...DEFAULT_DETECTOR_CONFIG, budgets: [...server.alerting.budgets] },
        fromMs,
        toMs,
      }),
    onHistoryReady: ready,
  });
  await historyReady;
}, 400_000);

afterAll(async () => {
  await feed?.stop();
  await fixture?.close();
  if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
});

/** An incident on `country` as the detector would open it now (the fraud owner's). */
async function openIncident(country: string): Promise<string> {
  const nowMs = Date.now();
  const [outcome] = await fixture.server.alerting.desk.observe([
    {
      id: `an_${createHash('sha256').update(`people-${country}`).digest('hex').slice(0, 20)}`,
      kind: 'volume_spike',
      severity: 'high',
      state: 'open',
      scope: { country },
      action: 'block',
      summary: `country=${country}: 450 sends in 5 min, 450.0x the 0.0 expected`,
      costPerHourUsd: 154,
      observed: 450,
      expected: 0,
      openedAt: nowMs,
      updatedAt: nowMs,
    },
  ]);
  expect(outcome?.action, JSON.stringify(outcome)).toBe('opened');
  return outcome!.incidentId!;
}

// Page scripts are passed as text: the test runs in Node, without the DOM's types.
const bodyText = (page: Page) => page.evaluate('document.body.innerText') as Promise<string>;

let liveIncident: string;

describe('a newcomer’s first minutes', () => {
  it('sees the backfill’s past attacks as incidents at once, IAM its own verify brute force', async () => {
    const incidents = (await get('/v1/incidents?limit=200')).incidents as { id: string; owner: string; kinds: string[]; state: string }[];
    expect(incidents.filter((i) => i.owner === 'fraud').length).toBeGreaterThan(0);
    const bruteforce = incidents.find((i) => i.owner === 'iam' && i.kinds.includes('verify_bruteforce'));
    expect(bruteforce, JSON.stringify(incidents.map((i) => [i.owner, i.kinds]))).toBeDefined();
    const page = await fixture.signIn('oncall', '/incidents?category=auth');
    await page.waitForSelector(`[data-incident=${bruteforce!.id}]`);
    expect(await page.textContent(`[data-incident=${bruteforce!.id}]`)).toContain('Verify brute force');
    await shot(page, 'people-iam-incidents');
    await page.goto(`${fixture.web.url}/`);
    await page.waitForSelector('[data-panel=anomalies-24h] li');
    expect(await page.locator('[data-panel=anomalies-24h] li').count()).toBeGreaterThan(0);
    await page.context().close();
  });
});

describe('fraud on-call, paged at 3 a.m.', () => {
  it('sees on the incident that nobody was paged, and why, and the rules say which keys are missing', { timeout: 300_000 }, async () => {
    liveIncident = await openIncident(BUSY_COUNTRY);
    // The desk notifies once the route's group_wait has passed; each failure lands on the timeline.
    const timeline = await until('failed notifications on the timeline', async () => {
      await fixture.server.alerting.tick();
      await fixture.server.alerting.outbox.runDue();
      const entries = (await get(`/v1/incidents/${liveIncident}`)).timeline as { type: string; channel?: string; error?: string }[];
      const failed = entries.filter((e) => e.type === 'notify_failed');
      return failed.some((e) => e.channel === 'pagerduty') && failed.some((e) => e.channel === 'slack') && failed;
    });
    expect(timeline.find((e) => e.channel === 'pagerduty')!.error).toContain('PD_FRAUD_KEY');
    const page = await fixture.signIn('oncall', `/incidents/${liveIncident}`);
    const failed = page.locator('[data-testid=timeline] li.failed');
    expect(await failed.count()).toBeGreaterThanOrEqual(2);
    expect(await failed.allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/PagerDuty PD_FRAUD_KEY failed.*not set.*Nobody was reached/),
        expect.stringMatching(/Slack #fraud-oncall failed.*SLACK_BOT_TOKEN/),
      ]),
    );
    await page.goto(`${fixture.web.url}/rules`);
    expect(await page.textContent('[data-testid=unreachable]')).toContain('PD_FRAUD_KEY is not set');
    expect(await page.textContent('[data-failing="fraud pagerduty"]')).toContain('pages fail');
    // No path of the server's machine: files are named as they are in alert-rules/.
    expect(await bodyText(page)).not.toContain(rulesDir);
    expect(await page.textContent('[data-testid=route-tree]')).toMatch(/routing\.yaml:\d+/);
    await shot(page, 'people-rules');
    await page.goto(`${fixture.web.url}/`);
    expect(await page.textContent('[data-testid=unreachable]')).toMatch(/Pages and messages are failing: fraud/);
    await page.context().close();
  });

  it('reads the incident as a sentence with units, and acknowledges it from the overview', async () => {
    const page = await fixture.signIn('oncall', '/');
    const row = page.locator(`[data-incident=${liveIncident}]`);
    const headline = await row.locator('[data-testid=incident-headline]').textContent();
    expect(headline).toBe('Send volume spike in United States: 450 sends where almost none were expected; $154 an hour.');
    expect(await row.textContent()).toContain('$154/h leaving now');
    await row.locator('button:text-is("Acknowledge")').click();
    await page.waitForSelector('[data-outcome=done]');
    expect((await get(`/v1/incidents/${liveIncident}`)).incident).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'oncall-ana' });
    // Each number leads to the page that explains it.
    expect(await page.getAttribute('[data-panel=spend-today] h3 a', 'href')).toBe('/spend');
    expect(await page.getAttribute('[data-panel=sends-24h] h3 a', 'href')).toBe('/traffic?range=24h');
    expect(await page.getAttribute('[data-panel=saved-24h] h3 a', 'href')).toBe('/breakers');
    await shot(page, 'people-overview');
    await page.context().close();
  });

  it(
    'trips a breaker from the incident page; the demo’s sends ask the decision API, so it blocks them and the money saved is real',
    { timeout: 300_000 },
    async () => {
      const page = await fixture.signIn('oncall', `/incidents/${liveIncident}`);
      const form = page.locator('[data-testid=trip-from-incident]');
      expect(await form.locator('input[name=country]').inputValue()).toBe(BUSY_COUNTRY);
      await form.locator('input[name=confirm]').check();
      await form.locator('button:text-is("Trip")').click();
      await page.waitForSelector('[data-outcome=done]');
      expect(new URL(page.url()).pathname).toBe(`/incidents/${liveIncident}`);
      const [breaker] = (
        (await get('/v1/breakers?state=open')) as { id: string; scope: { country?: string; app?: string }; opened_at: number }[]
      ).filter((b) => b.scope.country === BUSY_COUNTRY);
      expect(breaker).toBeDefined();
      // The demo's live sends to the country are refused and never made: from the first whole minute
      // after the trip, the store holds none.
      const since = Math.ceil((breaker!.opened_at + 5_000) / 60_000) * 60_000;
      // Waits on what the incident page reads: the last hour's decisions of the breaker's app.
      const effectQuery = () =>
        new URLSearchParams({
          interval: '1h',
          from: String(Date.now() - HOUR_MS),
          to: String(Date.now()),
          ...(breaker!.scope.app ? { app: breaker!.scope.app } : {}),
        });
      await until('a blocked send to the country, and a minute since', async () => {
        const decisions = await get(`/v1/metrics/decisions?${effectQuery()}`);
        const sum = (field: 'blocked' | 'saved_usd') =>
          decisions.points.reduce((total: number, p: Record<typeof field, number>) => total + p[field], 0);
        return Date.now() > since + 5_000 && sum('blocked') > 0 && sum('saved_usd') > 0;
      });
      const stored = await get(
        `/v1/metrics/traffic?interval=1m&country=${BUSY_COUNTRY}&from=${since}&to=${Date.now() + 60_000}&fields=sends`,
      );
      expect(stored.series, JSON.stringify(stored)).toBeDefined();
      expect(
        stored.series.flatMap((s: { points: { sends: number }[] }) => s.points).reduce((n: number, p: { sends: number }) => n + p.sends, 0),
      ).toBe(0);
      await page.reload();
      const effect = page.locator(`[data-breaker=${breaker!.id}]`);
      expect(Number((await effect.locator('[data-testid=blocked]').textContent())?.replace(/\D/g, ''))).toBeGreaterThan(0);
      expect(moneyOf(await effect.locator('[data-testid=saved]').textContent())).toBeGreaterThan(0);
      expect(await page.textContent('[data-testid=decision-api-note]')).toContain('decision API');
      // Its clock: cooldown, when it half-opens, when it expires (6 hours by default from the form).
      expect(await effect.locator('[data-field=cooldown]').textContent()).toMatch(/\d+ min/);
      expect(await effect.locator('[data-field=half-open]').textContent()).toMatch(/UTC \(in \d+ min/);
      expect(await effect.locator('[data-field=expires]').textContent()).toMatch(/in 6 hr/);
      // Extend: the expiry moves to 24 hours from now.
      await effect.locator('button:text-is("Extend")').click();
      await effect.locator('select[name=expires_in_h]').selectOption('24');
      await effect.locator('input[name=reason]').fill('attack still running');
      await effect.locator('button:text-is("Set expiry")').click();
      await page.waitForSelector('[data-outcome=done]');
      expect(await page.locator(`[data-breaker=${breaker!.id}] [data-field=expires]`).textContent()).toMatch(/in 24 hr|in 1 day|tomorrow/);
      const after = await get(`/v1/breakers/${breaker!.id}`);
      expect(after.expires_at - Date.now()).toBeGreaterThan(23 * HOUR_MS);
      await shot(page, 'people-incident');
      await page.context().close();
    },
  );

  it('types a prefix as people write it; a refused one keeps the form and says why beside the field', async () => {
    const page = await fixture.signIn('oncall', '/breakers');
    const form = page.locator('[data-testid=new-breaker]');
    await form.locator('input[name=country]').fill('UZ');
    await form.locator('input[name=prefix]').fill('+998 90');
    await form.locator('input[name=reason]').fill('pumping on Beeline numbers');
    await form.locator('input[name=confirm]').check();
    await form.locator('button:text-is("Trip")').click();
    await page.waitForSelector('[data-outcome=error]');
    expect(await page.textContent('[data-field-error="scope.prefix"]')).toContain('+998 900 to +998 909');
    expect(await form.locator('input[name=country]').inputValue()).toBe('UZ');
    expect(await form.locator('input[name=prefix]').inputValue()).toBe('+998 90');
    expect(await form.locator('input[name=reason]').inputValue()).toBe('pumping on Beeline numbers');
    expect(await bodyText(page)).not.toMatch(/\bTG_[A-Z_]+/);
    await form.locator('input[name=prefix]').fill('00998-901');
    await form.locator('input[name=confirm]').check();
    await form.locator('button:text-is("Trip")').click();
    await page.waitForSelector('[data-outcome=done]');
    const created = ((await get('/v1/breakers?state=open')) as { id: string; scope: { prefix?: string } }[]).find(
      (b) => b.scope.prefix === '+998 901',
    );
    expect(created).toBeDefined();
    const row = page.locator(`[data-breaker=${created!.id}]`);
    expect(await row.textContent()).toContain('Uzbekistan (+998 901)');
    expect(await row.locator('[data-reason]').textContent()).toBe('tripped by oncall-ana: “pumping on Beeline numbers”');
    expect(await row.textContent()).not.toMatch(/\b(brk|br|an)_[0-9a-z]+/);
    await shot(page, 'people-breakers');
    await page.context().close();
  });
});

describe('the finance lead', () => {
  it(
    'reads the daily spend: dated bars inside the plot, the last one whole, days to choose, the overrun budget marked',
    { timeout: 300_000 },
    async () => {
      const page = await fixture.signIn('finance', '/spend?days=7');
      await page.waitForSelector('[data-panel=spend-daily] svg.recharts-surface .recharts-bar-rectangle');
      // Recharts draws the tick labels in a layer of their own, apart from the axis line.
      await page.waitForSelector('[data-panel=spend-daily] .recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
      expect(await page.textContent('[data-panel=spend-daily] h3')).toContain('last 7 days');
      const ticks = await page
        .locator('[data-panel=spend-daily] .recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')
        .allTextContents();
      expect(ticks.length).toBeGreaterThan(0);
      for (const tick of ticks) expect(tick).toMatch(/^[A-Z][a-z]{2} \d{1,2}$/);
      expect(new Set(ticks).size).toBe(ticks.length);
      const geometry = (await page.evaluate(`(() => {
      const panel = document.querySelector('[data-panel=spend-daily]');
      const svg = panel.querySelector('.recharts-wrapper > svg.recharts-surface').getBoundingClientRect();
      const grid = panel.querySelector('.recharts-cartesian-grid').getBoundingClientRect();
      const bars = [...panel.querySelectorAll('.recharts-bar-rectangle path')].map((bar) => bar.getBoundingClientRect()).filter((r) => r.width > 0);
      return { svg: { left: svg.left, right: svg.right }, grid: { left: grid.left, right: grid.right, bottom: grid.bottom }, bars: bars.map((r) => ({ left: r.left, right: r.right, bottom: r.bottom })) };
    })()`)) as {
        svg: { left: number; right: number };
        grid: { left: number; right: number; bottom: number };
        bars: { left: number; right: number; bottom: number }[];
      };
      expect(geometry.bars.length).toBeGreaterThan(0);
      for (const bar of geometry.bars) {
        expect(bar.left).toBeGreaterThanOrEqual(geometry.grid.left - 0.5);
        expect(bar.right).toBeLessThanOrEqual(geometry.grid.right + 0.5);
        expect(bar.bottom).toBeLessThanOrEqual(geometry.grid.bottom + 0.5);
      }
      expect(Math.max(...geometry.bars.map((b) => b.right))).toBeLessThan(geometry.svg.right);
      // The days picker: a month's worth back.
      await page.selectOption('[data-testid=daily-range] select[name=days]', '30');
      await page.click('[data-testid=daily-range] button[type=submit]');
      await page.waitForURL(/days=30/);
      expect(await page.textContent('[data-panel=spend-daily] h3')).toContain('last 30 days');
      // The budget the month overruns is marked, the other is not.
      await page.waitForSelector('[data-panel=budgets] tbody tr');
      const marked = page.locator('[data-panel=budgets] tbody tr[data-alert=true]');
      expect(await marked.count()).toBe(1);
      expect(await marked.locator('td').first().textContent()).toContain(BUSY_COUNTRY);
      expect(await page.textContent('[data-panel=budgets] [data-testid=row-alert]')).toContain('95 %');
      await shot(page, 'people-spend');
      await page.context().close();
    },
  );

  it('reads provider error codes as their meaning, the code in a tooltip', async () => {
    const page = await fixture.signIn('finance', '/delivery?range=24h');
    await page.waitForSelector('[data-panel=error-codes] tbody tr');
    const cell = page.locator('[data-panel=error-codes] tbody tr td abbr').first();
    expect(await cell.getAttribute('title')).toMatch(/error code \d+$/);
    expect(await cell.textContent()).toMatch(/^[A-Z][a-z]/);
    expect(await page.locator('[data-panel=error-codes] tbody tr td:first-child').allTextContents()).not.toContainEqual(
      expect.stringMatching(/^\d+$/),
    );
    await page.context().close();
  });
});

/** Every page of the navigation, and an incident. */
const PAGES = [
  '/',
  '/incidents',
  '/traffic?range=24h',
  '/traffic?range=24h&country=US',
  '/delivery',
  '/spend',
  '/breakers',
  '/silences',
  '/planned',
  '/owners',
  '/rules',
  '/policy',
  '/users',
];

describe('phones and desktops', () => {
  it('no page is wider than a 390 px screen, and none asks for a missing file (favicon included)', { timeout: 600_000 }, async () => {
    const page = await fixture.signIn('admin', '/', 'phone');
    const missing: string[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(fixture.web.url) && response.status() >= 400) missing.push(`${response.status()} ${response.url()}`);
    });
    for (const path of [...PAGES, `/incidents/${liveIncident}`]) {
      await page.goto(`${fixture.web.url}${path}`);
      await page.waitForLoadState('networkidle');
      const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      expect(width, path).toBeLessThanOrEqual(VIEWPORTS.phone.width);
      expect(await page.locator('link[rel=icon]').count(), path).toBeGreaterThan(0);
    }
    expect(missing).toEqual([]);
    await page.goto(`${fixture.web.url}/`);
    await shot(page, 'people-overview-phone');
    await page.goto(`${fixture.web.url}/spend?days=30`);
    await page.waitForSelector('[data-panel=spend-daily] .recharts-bar-rectangle');
    await shot(page, 'people-spend-phone');
    await page.context().close();
  });

  it(
    'on a phone the open incident is on the first screen, and the incident’s charts stay inside their cards',
    { timeout: 300_000 },
    async () => {
      const id = await openIncident('BR');
      const page = await fixture.signIn('oncall', '/', 'phone');
      const box = await page.locator(`[data-incident=${id}]`).boundingBox();
      expect(box!.y).toBeLessThan(VIEWPORTS.phone.height / 2);
      // An incident of the replay: its findings' evidence is stored, so its page draws their charts.
      const incidents = (await get('/v1/incidents?limit=200')).incidents as { id: string; owner: string; anomalies: { id: string }[] }[];
      let charted: { id: string } | undefined;
      for (const incident of incidents.filter((i) => i.owner === 'fraud')) {
        if ((await fixture.server.app.inject({ url: `/v1/anomalies/${incident.anomalies[0]!.id}`, headers: admin })).statusCode === 200) {
          charted = incident;
          break;
        }
      }
      expect(charted).toBeDefined();
      await page.goto(`${fixture.web.url}/incidents/${charted!.id}`);
      await page.waitForSelector('[data-anomaly]');
      await shot(page, 'people-incident-phone');
      expect(await page.locator('[data-chart=band]').count(), (await page.textContent('[data-anomaly]')) ?? '').toBeGreaterThan(0);
      await page.waitForSelector('[data-chart=band] .recharts-wrapper > svg.recharts-surface');
      const spills =
        await page.evaluate(`[...document.querySelectorAll('.panel .recharts-wrapper > svg.recharts-surface')].filter((svg) => {
      const card = svg.closest('.panel').getBoundingClientRect();
      const chart = svg.getBoundingClientRect();
      return chart.width < 100 || chart.right > card.right + 0.5 || chart.left < card.left - 0.5;
    }).length`);
      expect(spills).toBe(0);
      await page.context().close();
    },
  );

  it('shows roles and codes in words: the header, an API refusal', { timeout: 300_000 }, async () => {
    const page = await fixture.signIn('oncall', '/');
    expect(await page.textContent('[data-testid=who]')).toBe('oncall-ana · on-call');
    await page.goto(`${fixture.web.url}/incidents/inc_0000000000000000`);
    expect(await bodyText(page)).not.toMatch(/\bTG_[A-Z_]+/);
    await page.goto(`${fixture.web.url}/users`);
    const refusal = page.locator('[data-state=forbidden]');
    expect(await refusal.textContent()).toContain('on-call');
    expect(await bodyText(page)).not.toMatch(/\bTG_[A-Z_]+|\(oncall\)/);
    await page.context().close();
  });
});
