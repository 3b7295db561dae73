/**
 * Dashboard benchmark (`npm run bench:web`): the targets are that, with 30 days of history at 10
 * million sends in the embedded store, the API calls behind the overview, incident detail and
 * traffic explorer answer at p95 under 300 ms, and the overview's first load in headless Chromium
 * takes under 2 s. History is written by ClickHouse itself (bench/detect-live-history.ts); the API
 * is the real app on loopback, called with a signed-in on-call session exactly as the pages call
 * it (the overview's queries come from dashboards/overview.json); the page is the production build.
 * Writes the "Dashboard" section of bench/RESULTS.md.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCore } from '@tollgate/core';
import { startWeb } from '../apps/web/launcher/web-server.ts';
import { launchChromium } from '../apps/web/test/support/chromium.ts';
import { panelRequest, parseDashboard } from '../apps/web/lib/panels.ts';
import { viewFields } from '../apps/web/lib/traffic-views.ts';
import { openTestServer, TEST_ADMIN_KEY, TEST_HMAC_KEY } from '../apps/server/test/support/test-server.ts';
import { writeSyntheticHistory } from './detect-live-history.ts';
import { median, readResultsSection, writeResultsSection } from './results-file.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const SENDS = Number(process.env.BENCH_WEB_SENDS ?? 10_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const PAGE_LOADS = Number(process.env.BENCH_PAGE_LOADS ?? 5);
/** What on-call can wait for: a page's calls under 300 ms, its first load under 2 s. */
const TARGET_P95_MS = 300;
const TARGET_LOAD_MS = 2_000;
const OVERVIEW = fileURLToPath(new URL('../dashboards/overview.json', import.meta.url));
const PASSWORD = 'bench web password';
/**
 * Writing ten million sends takes ten to twenty minutes, so the store is kept between runs in a
 * git-ignored folder and brought up to the present with the sends of the time since, at the same
 * rate. BENCH_WEB_FRESH=1 writes it again; a store that a killed run left open is written again too.
 */
const CACHE_DIR = fileURLToPath(new URL(`./.cache/web-${SENDS}-sends-${DAYS}-days`, import.meta.url));
const FRESH = process.env.BENCH_WEB_FRESH === '1';

/** What the cached store holds: sends numbered below `nextNumber`, evenly over [fromMs, toMs). */
interface CachedHistory {
  fromMs: number;
  toMs: number;
  nextNumber: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface Timing {
  page: string;
  url: string;
  p50: number;
  p95: number;
}

/** The cached store with history up to `nowMs`; says how it got there. */
async function historyUpTo(nowMs: number): Promise<{ dataDir: string; how: string }> {
  const meta = join(CACHE_DIR, 'history.json');
  const usable = !FRESH && existsSync(meta) && !existsSync(join(CACHE_DIR, '.running'));
  const cached: CachedHistory | undefined = usable ? JSON.parse(readFileSync(meta, 'utf8')) : undefined;
  if (!cached) rmSync(CACHE_DIR, { recursive: true, force: true });
  const fromMs = cached?.toMs ?? nowMs - DAYS * DAY;
  const sends = cached ? Math.round((SENDS * (nowMs - fromMs)) / (DAYS * DAY)) : SENDS;
  const firstNumber = cached?.nextNumber ?? 0;
  const started = performance.now();
  // Opening the store also applies pending migrations to a cached one (and times them with the history).
  const core = await openCore({ TOLLGATE_DATA_DIR: CACHE_DIR, TOLLGATE_HMAC_KEY: TEST_HMAC_KEY });
  if (sends > 0) await writeSyntheticHistory(core.store, { sends, fromMs, toMs: nowMs, firstNumber });
  await core.close();
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  writeFileSync(
    meta,
    JSON.stringify({ fromMs: cached?.fromMs ?? fromMs, toMs: nowMs, nextNumber: firstNumber + sends } satisfies CachedHistory),
  );
  const how = cached
    ? `the store cached in bench/.cache by an earlier run, brought up to the present with ${sends.toLocaleString('en-US')} more sends in ${seconds} s`
    : `written by ClickHouse in ${seconds} s (kept in bench/.cache for the next run)`;
  console.log(`history: ${how}`);
  return { dataDir: CACHE_DIR, how };
}

/** The 1-minute load average, as `uptime` shows it. */
const load = () => loadavg()[0]!.toFixed(1);

async function main(): Promise<void> {
  const nowMs = Math.floor(Date.now() / MINUTE) * MINUTE;
  const { dataDir, how } = await historyUpTo(nowMs);
  const server = await openTestServer('bench-web', { dataDir, keepData: true });
  try {
    const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const user = await server.app.inject({
      method: 'POST',
      url: '/v1/users',
      payload: { name: 'bench-oncall', role: 'oncall', password: PASSWORD },
      headers: admin,
    });
    if (user.statusCode !== 201) throw new Error(`adding the bench user answered ${user.statusCode}`);
    const token = (
      await server.app.inject({ method: 'POST', url: '/v1/sessions', payload: { username: 'bench-oncall', password: PASSWORD } })
    ).json().token as string;
    const apiUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });

    const panels = parseDashboard(JSON.parse(readFileSync(OVERVIEW, 'utf8')), 'overview.json').panels;
    const overview = panels.map((panel) => panelRequest(panel, nowMs));
    // Deferred panels are fetched by the browser after the first view: timed, but not behind it.
    const deferred = new Set(panels.filter((panel) => panel.defer).map((panel) => panelRequest(panel, nowMs)));
    const span = (hours: number) => `from=${nowMs - hours * 3_600_000}&to=${nowMs}`;
    const pages: Record<string, string[]> = {
      overview: [
        ...new Set(overview),
        '/v1/incidents?state=triggered&limit=50',
        '/v1/incidents?state=acknowledged&limit=50',
        '/v1/breakers?state=active',
        '/v1/sessions/current',
      ],
      // What an incident page reads beyond the incident: the anomaly's scope traffic since two hours before its window, the breaker's effect.
      'incident detail': [
        `/v1/metrics/traffic?interval=1m&${span(3)}&fields=${viewFields('incidentScope')}&country=UZ&prefix=${encodeURIComponent('+131 3')}`,
        `/v1/metrics/decisions?interval=1h&${span(24)}`,
        '/v1/breakers',
        '/v1/anomalies?limit=100',
      ],
      'traffic explorer': [
        // As the page asks: the totals, then the groups of the drill level, for 24 hours and for 30 days.
        `/v1/metrics/traffic?interval=1h&${span(24)}&fields=${viewFields('explorerTotals')}`,
        `/v1/metrics/traffic?interval=1h&${span(24)}&group_by=country&limit=25&fields=${viewFields('explorerGroups')}`,
        `/v1/metrics/traffic?interval=1h&${span(24)}&country=US&group_by=prefix&limit=25&fields=${viewFields('explorerGroups')}`,
        `/v1/metrics/traffic?interval=1d&${span(30 * 24)}&fields=${viewFields('explorerTotals')}`,
        `/v1/metrics/traffic?interval=1d&${span(30 * 24)}&group_by=country&limit=25&fields=${viewFields('explorerGroups')}`,
      ],
    };
    const timings: Timing[] = [];
    const loadBefore = load();
    for (const [page, urls] of Object.entries(pages)) {
      for (const url of urls) {
        const ms: number[] = [];
        for (let round = 0; round <= ROUNDS; round++) {
          const started = performance.now();
          const res = await fetch(`${apiUrl}${url}`, { headers: { authorization: `Bearer ${token}` } });
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`${url} answered ${res.status}`);
          if (round > 0) ms.push(performance.now() - started); // round 0 warms the connection and caches
        }
        timings.push({ page, url, p50: median(ms), p95: percentile(ms, 95) });
        console.log(`${page.padEnd(16)} p95 ${percentile(ms, 95).toFixed(0).padStart(5)} ms  ${url}`);
      }
    }

    const loadAfter = load();
    const web = await startWeb({ apiUrl, port: await freePort(), host: '127.0.0.1' });
    const browser = await launchChromium();
    const loads: number[] = [];
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies([{ name: 'tg_session', value: token, url: web.url, httpOnly: true, sameSite: 'Strict' }]);
      for (let i = 0; i < PAGE_LOADS; i++) {
        // A fresh page each time: no client-side cache of the previous render.
        const page = await context.newPage();
        const started = performance.now();
        // From the request until the chart is drawn: the page streams, so "load" would wait for its slowest panel.
        await page.goto(`${web.url}/`, { waitUntil: 'commit' });
        await page.waitForSelector('[data-panel=traffic-6h] svg.recharts-surface');
        loads.push(performance.now() - started);
        // Let the deferred panels finish, so the next load starts on an idle API as a person's would.
        await page.waitForFunction('document.querySelectorAll("[data-state=loading]").length === 0', undefined, { timeout: 120_000 });
        await page.close();
      }
    } finally {
      await browser.close();
      await web.stop();
    }
    console.log(`overview load: first ${loads[0]!.toFixed(0)} ms, median ${median(loads).toFixed(0)} ms`);

    // Only the overview defers panels; the incident page reads some of the same URLs at once.
    const isDeferred = (t: Timing) => t.page === 'overview' && deferred.has(t.url);
    const worst = (page: string, withDeferred = false) =>
      Math.max(...timings.filter((t) => t.page === page && (withDeferred || !isDeferred(t))).map((t) => t.p95));
    const rows = timings.map(
      (t) =>
        `| ${t.page}${isDeferred(t) ? ' (deferred)' : ''} | \`${t.url.replace(/from=\d+&to=\d+/, 'from=..&to=..')}\` | ${t.p50.toFixed(0)} | ${t.p95.toFixed(0)} |`,
    );
    const heading = `### ${SENDS.toLocaleString('en-US')} sends over ${DAYS} days`;
    writeResultsSection(
      'Dashboard',
      withSubsection(
        readResultsSection('Dashboard') ?? '',
        heading,
        `${heading}

\`BENCH_WEB_SENDS=${SENDS} npm run bench:web\`: ${DAYS} days of synthetic history (verifies, receipts and bills with the sends), ${how}; the real API on loopback called with an on-call session, ${ROUNDS} rounds per call after one warm-up; the overview page (production build) loaded ${PAGE_LOADS} times in headless Chromium, from the request until its 6-hour chart is drawn, each on an idle API (the previous load's deferred panels done). Machine: 2 cores shared with other work, load average (1 min, as \`uptime\` shows it) ${loadBefore} before the API calls and ${loadAfter} after them.

| page | slowest call p95 | the same, deferred panels apart | target |
| --- | --- | --- | --- |
${['overview', 'incident detail', 'traffic explorer'].map((page) => `| ${page} | ${worst(page, true).toFixed(0)} ms | ${worst(page).toFixed(0)} ms | < ${TARGET_P95_MS} ms |`).join('\n')}
| overview first load in Chromium | median ${median(loads).toFixed(0)} ms (each: ${loads.map((ms) => ms.toFixed(0)).join(', ')}) | | < ${TARGET_LOAD_MS} ms |

| page | API call | p50 ms | p95 ms |
| --- | --- | --- | --- |
${rows.join('\n')}`,
      ),
    );
  } finally {
    await server.close();
  }
}

/** The section's text with its `### heading` part replaced (or added), other scales' figures and notes kept. */
function withSubsection(section: string, heading: string, text: string): string {
  const start = section.indexOf(`${heading}\n`);
  if (start < 0) return `${section.trim()}\n\n${text}`;
  const next = section.indexOf('\n### ', start + heading.length);
  return `${section.slice(0, start)}${text}\n${next < 0 ? '' : section.slice(next)}`;
}

await main();
