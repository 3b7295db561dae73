/**
 * Ingest benchmark (`npm run bench:ingest`): HTTP NDJSON ingest end to end (parse, validate,
 * normalize, hash, enrich, dedup, store) against two baselines in the same run, alternating so
 * machine noise hits all alike: the raw insert of the same prepared rows into the same tables,
 * views and indexes, and the plain-table insert of the same NDJSON lines (one MergeTree table of
 * the wire's fields, no view, no index, the engine parsing the lines itself).
 * Reports the median of several runs of each and the ratios, and rewrites its section of
 * bench/RESULTS.md. Targets: >= 40 % of the plain-table insert, >= 100,000 events/s end to end.
 * BENCH_CPU_PROFILE=DIR also profiles the first cold run (the main thread: the server and its
 * embedded store's calls; the clients run in a worker) and writes the top costs per event to RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createChdbConnection } from 'chdb/connection';
import { createHasher, createNormalizer, loadAsnDatabase, type SendRow } from '@tollgate/events';
import { FLUSH_TARGET_ROWS } from '@tollgate/ingest';
import { createStore, insertRows, migrate, DEFAULT_RETENTION } from '@tollgate/store';
import { startPlatform, type Platform } from '@tollgate/server';
import { createSimulator } from '@tollgate/simulator';
import { profileTables, type CpuProfile, type SampleWindow } from './cpu-profile-table.ts';
import { median, writeResultsSection } from './results-file.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE ? resolve(process.env.BENCH_CPU_PROFILE) : undefined;
/**
 * BENCH_BASELINE=DIR: the root of another checkout (an earlier commit from `git archive`, with a
 * node_modules that links this one's packages and its own workspace packages) whose server also
 * ingests the same lines cold in each round, so a change is measured against its baseline in one run.
 */
const BASELINE_TREE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;
const BATCH = 5_000;
const CONCURRENCY = 4;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const HMAC_KEY = Buffer.alloc(32, 7);
const ADMIN_KEY = 'bench-admin-key-0123456789';

function simulatedSends(): Record<string, unknown>[] {
  const startMs = Date.parse('2026-11-16T00:00:00Z');
  // 1,000 sends a minute, so the history spans realistic minutes, countries and number blocks.
  const simulator = createSimulator({ seed: 7, startMs, sendsPerMinute: 1_000, scenarios: [] });
  const sends: Record<string, unknown>[] = [];
  for (let minute = 0; sends.length < EVENTS; minute++) {
    for (const event of simulator.generate(startMs + minute * 60_000, startMs + (minute + 1) * 60_000)) {
      if (event.kind === 'send') sends.push(event.body as unknown as Record<string, unknown>);
      if (sends.length >= EVENTS) break;
    }
  }
  return sends;
}

/**
 * NDJSON request bodies, prepared once (every run starts on a fresh store, so ids are new to it).
 * `idPrefix` gives the warm-up pass its own event ids for the same phones.
 */
function ndjsonBodies(sends: Record<string, unknown>[], idPrefix = ''): Buffer[] {
  const bodies: Buffer[] = [];
  for (let i = 0; i < sends.length; i += BATCH) {
    const lines = sends
      .slice(i, i + BATCH)
      .map((s) => JSON.stringify(idPrefix ? { ...s, event_id: `${idPrefix}${s.event_id as string}` } : s));
    bodies.push(Buffer.from(`${lines.join('\n')}\n`));
  }
  return bodies;
}

/**
 * The HTTP clients, as JavaScript for a worker thread: the senders are other machines in
 * production, so they must not share the server's event loop (fetch alone cost the main thread
 * 7 us an event when they did). Posts the bodies it is given, CONCURRENCY at a time, and answers
 * with the events accepted or the first error.
 */
const CLIENT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, key, bodies, concurrency } = workerData;
let next = 0;
let accepted = 0;
async function client() {
  while (next < bodies.length) {
    const body = bodies[next++];
    const res = await fetch(url + '/v1/events/send', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + key, 'content-type': 'application/x-ndjson' },
      body,
    });
    if (res.status !== 200) throw new Error('ingest answered ' + res.status + ': ' + (await res.text()));
    accepted += (await res.json()).accepted;
  }
}
Promise.all(Array.from({ length: concurrency }, client)).then(
  () => parentPort.postMessage({ accepted }),
  (error) => parentPort.postMessage({ error: String(error) }),
);
`;

async function post(url: string, bodies: Buffer[]): Promise<number> {
  const worker = new Worker(CLIENT_WORKER, {
    eval: true,
    workerData: { url, key: ADMIN_KEY, bodies: bodies.map((b) => new Uint8Array(b)), concurrency: CONCURRENCY },
  });
  try {
    const [answer] = (await once(worker, 'message')) as [{ accepted?: number; error?: string }];
    if (answer.error !== undefined) throw new Error(answer.error);
    return answer.accepted!;
  } finally {
    await worker.terminate();
  }
}

/**
 * Events per second through HTTP into a fresh store. Cold: every phone number block is new to the
 * process, so each pays a full libphonenumber parse. Warm: the same traffic after a warm-up pass
 * with other event ids, as a long-running collector sees recurring number blocks.
 */
async function endToEnd(
  bodies: Buffer[],
  warmUp: Buffer[] | undefined,
  profile?: (cpu: { profile: CpuProfile; cpuUs: number; window: SampleWindow }) => void,
  start: typeof startPlatform = startPlatform,
  env: NodeJS.ProcessEnv = {},
): Promise<EndToEnd> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-e2e-'));
  const platform = await start({
    env: {
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_ADMIN_KEY: ADMIN_KEY,
      TOLLGATE_HMAC_KEY: HMAC_KEY.toString('hex'),
      PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    demo: false,
    version: 'bench',
  });
  const session = profile ? new Session() : undefined;
  try {
    if (warmUp) await post(platform.url, warmUp);
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const delay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    delay.enable();
    const insertsBefore = await insertRowCounts(platform);
    const cpuBefore = process.cpuUsage();
    const startedUs = Number(process.hrtime.bigint() / 1_000n);
    const started = performance.now();
    const accepted = await post(platform.url, bodies);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    delay.disable();
    // A server that reports its inserts has no bucket before its first one: counted from zero then.
    const insertsAfter = await insertRowCounts(platform);
    const inserts = insertsAfter && subtractCounts(insertsAfter, insertsBefore ?? new Map());
    if (session) {
      // The samples up to here: stopping the profiler serializes the profile on this thread, which is no ingest work.
      const window = { fromUs: startedUs, toUs: Number(process.hrtime.bigint() / 1_000n) };
      const { profile: taken } = await session.post('Profiler.stop');
      profile!({ profile: taken as unknown as CpuProfile, cpuUs: cpu.user + cpu.system, window });
    }
    if (accepted !== EVENTS) throw new Error(`expected ${EVENTS} accepted, got ${accepted}`);
    return {
      rate: EVENTS / seconds,
      cpuUsPerEvent: (cpu.user + cpu.system) / EVENTS,
      stallMs: delay.max / 1e6,
      rowsPerInsert: inserts && medianOfBuckets(inserts),
    };
  } finally {
    session?.disconnect();
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One end-to-end run: its rate, the process's CPU an event, the event loop's longest stall, the median insert. */
interface EndToEnd {
  rate: number;
  cpuUsPerEvent: number;
  stallMs: number;
  /** Undefined for a server that does not report its inserts' sizes (a baseline from before they were measured). */
  rowsPerInsert: number | undefined;
}

/** Fine enough to see a stall of a few ms; the histogram's own cost stays negligible. */
const LOOP_DELAY_RESOLUTION_MS = 5;

/** The send inserts' size histogram of the server's /metrics, cumulative by upper bound; undefined before the first insert or if it has none. */
async function insertRowCounts(platform: Platform): Promise<Map<number, number> | undefined> {
  const res = await platform.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const counts = new Map<number, number>();
  for (const [, labels, count] of res.body.matchAll(/^tollgate_store_insert_rows_bucket\{([^}]*)\} (\d+)$/gm)) {
    const le = /le="([^"]+)"/.exec(labels!)?.[1];
    if (le !== undefined && labels!.includes('kind="send"')) counts.set(le === '+Inf' ? Infinity : Number(le), Number(count));
  }
  return counts.size === 0 ? undefined : counts;
}

function subtractCounts(after: Map<number, number>, before: Map<number, number>): Map<number, number> {
  return new Map([...after].map(([le, n]) => [le, n - (before.get(le) ?? 0)]));
}

/**
 * The median insert's size, as the smallest bucket bound that holds half the inserts. Exact here:
 * the bench's requests are 5,000 events and the buckets fall on multiples of 5,000.
 */
function medianOfBuckets(cumulative: Map<number, number>): number | undefined {
  const total = cumulative.get(Infinity) ?? 0;
  if (total === 0) return undefined;
  return [...cumulative].sort(([a], [b]) => a - b).find(([, n]) => n >= total / 2)![0];
}

/** The wire fields of a send as a plain table: no view, no index, no replacing, no ordering. */
const PLAIN_TABLE = `CREATE TABLE plain_sends (
  event_id String, ts UInt64, app String, flow String, session_id String, phone String, ip String, asn UInt32,
  country String, channel String, provider String, status String, cost Float64, currency String,
  message_id String, device_id String, user_agent String
) ENGINE = MergeTree ORDER BY tuple()`;

/** The same NDJSON lines into a plain table, parsed by the engine (chDB's raw insert, as the store's own inserts). */
async function plainInsert(bodies: Buffer[]): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-plain-'));
  const connection = createChdbConnection({ path: join(dataDir, 'clickhouse') });
  try {
    await connection.chdb.queryAsync(PLAIN_TABLE);
    const started = performance.now();
    for (const body of bodies) await connection.chdb.rawInsert({ table: 'plain_sends', values: body, format: 'JSONEachRow' });
    const seconds = (performance.now() - started) / 1000;
    const stored = Number((await connection.chdb.queryAsync('SELECT count() FROM plain_sends', { format: 'CSV' })).text().trim());
    if (stored !== EVENTS) throw new Error(`plain table holds ${stored} rows, expected ${EVENTS}`);
    return EVENTS / seconds;
  } finally {
    await connection.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The same rows, prepared, into the schema's tables, views and indexes, in inserts of the group
 * commit's target: the most end to end can store through this schema.
 */
async function rawInsert(rows: SendRow[]): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-raw-'));
  const store = createStore({ kind: 'embedded', dataDir });
  try {
    await migrate(store, DEFAULT_RETENTION);
    const started = performance.now();
    for (let i = 0; i < rows.length; i += FLUSH_TARGET_ROWS) await insertRows(store, 'send', rows.slice(i, i + FLUSH_TARGET_ROWS));
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Profiled = { profile: CpuProfile; cpuUs: number; window: SampleWindow };

/** Each measure's runs: the end-to-end runs of each server, and the two baselines' rates. */
interface Measured {
  cold: EndToEnd[];
  warm: EndToEnd[];
  /** This tree's server with one worker thread parsing and normalizing (TOLLGATE_INGEST_WORKERS=1). */
  oneWorker: EndToEnd[];
  baseline: EndToEnd[];
  raw: number[];
  plain: number[];
  profiled?: Profiled;
  baselineProfiled?: Profiled;
}

const ONE_WORKER = { TOLLGATE_INGEST_WORKERS: '1' };

/** The alternating runs: each measure once per round, so the machine's noise hits all alike. */
async function measure(
  bodies: Buffer[],
  warmUp: Buffer[],
  rows: SendRow[],
  baselineStart: typeof startPlatform | undefined,
): Promise<Measured> {
  const m: Measured = { cold: [], warm: [], oneWorker: [], baseline: [], raw: [], plain: [] };
  const profileFirst = (run: number, keep: (taken: Profiled) => void) => (PROFILE_DIR !== undefined && run === 0 ? keep : undefined);
  for (let run = 0; run < RUNS; run++) {
    m.plain.push(await plainInsert(bodies));
    m.cold.push(
      await endToEnd(
        bodies,
        undefined,
        profileFirst(run, (taken) => (m.profiled = taken)),
      ),
    );
    m.raw.push(await rawInsert(rows));
    m.warm.push(await endToEnd(bodies, warmUp));
    m.oneWorker.push(await endToEnd(bodies, undefined, undefined, startPlatform, ONE_WORKER));
    if (baselineStart) {
      m.baseline.push(
        await endToEnd(
          bodies,
          undefined,
          profileFirst(run, (taken) => (m.baselineProfiled = taken)),
          baselineStart,
        ),
      );
    }
    const show = (name: string, runs: EndToEnd[]) =>
      runs.length > run
        ? `${name} ${fmt(runs[run]!.rate)} events/s (${runs[run]!.cpuUsPerEvent.toFixed(1)} us CPU, stall ${runs[run]!.stallMs.toFixed(0)} ms, ${runs[run]!.rowsPerInsert ?? '?'} rows an insert)`
        : undefined;
    const shown = [show('cold', m.cold), show('warm', m.warm), show('one worker', m.oneWorker), show('baseline', m.baseline)];
    console.error(
      `run ${run + 1}/${RUNS}: ${shown.filter(Boolean).join('; ')}; raw insert ${fmt(m.raw[run]!)} rows/s; plain table ${fmt(m.plain[run]!)} rows/s`,
    );
  }
  return m;
}

/** The end-to-end rows of the table: each server's rate against both baselines, its CPU, stall and inserts. */
function endToEndRows(m: Measured): string[] {
  const plainMedian = median(m.plain);
  const rawMedian = median(m.raw);
  const pct = (n: number, of: number) => `${((n / of) * 100).toFixed(0)} %`;
  const one = (values: number[], digits: number) => values.map((v) => v.toFixed(digits)).join(', ');
  const servers: [string, EndToEnd[]][] = [
    ['this tree, cold number-block cache (no worker thread, the default)', m.cold],
    ['this tree, warm number-block cache', m.warm],
    ['this tree, cold, one worker thread (TOLLGATE_INGEST_WORKERS=1)', m.oneWorker],
    ['the server of BENCH_BASELINE, cold', m.baseline],
  ];
  return servers
    .filter(([, runs]) => runs.length > 0)
    .map(([name, runs]) => {
      const rate = median(runs.map((r) => r.rate));
      const inserts = runs.map((r) => r.rowsPerInsert).filter((n) => n !== undefined);
      return (
        `| ${name} | ${fmt(rate)} events/s | ${pct(rate, plainMedian)} | ${pct(rate, rawMedian)} | ${median(runs.map((r) => r.cpuUsPerEvent)).toFixed(1)} us ` +
        `| ${median(runs.map((r) => r.stallMs)).toFixed(0)} ms | ${inserts.length === 0 ? 'not reported' : fmt(median(inserts))} ` +
        `| ${runs.map((r) => fmt(r.rate)).join(', ')}; CPU ${one(
          runs.map((r) => r.cpuUsPerEvent),
          1,
        )}; stall ${one(
          runs.map((r) => r.stallMs),
          0,
        )} |`
      );
    });
}

function resultsTable(m: Measured): { table: string; verdict: string } {
  const plainMedian = median(m.plain);
  const rawMedian = median(m.raw);
  const coldMedian = median(m.cold.map((r) => r.rate));
  const warmMedian = median(m.warm.map((r) => r.rate));
  const pct = (n: number, of: number) => `${((n / of) * 100).toFixed(0)} %`;
  const table = [
    "| HTTP NDJSON ingest end to end | median | of plain-table insert | of raw insert | process CPU per event, all threads | event loop's longest stall | median rows per insert | each run |",
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...endToEndRows(m),
    `| raw insert of the same prepared rows (the schema's tables, views and indexes) | ${fmt(rawMedian)} rows/s | ${pct(rawMedian, plainMedian)} | 100 % | | | ${fmt(FLUSH_TARGET_ROWS)} | ${m.raw.map(fmt).join(', ')} |`,
    `| plain-table insert of the same NDJSON lines | ${fmt(plainMedian)} rows/s | 100 % | | | | ${fmt(BATCH)} | ${m.plain.map(fmt).join(', ')} |`,
  ].join('\n');
  const best = Math.max(coldMedian, warmMedian);
  const verdict =
    `Targets: >= 40 % of the plain-table insert end to end: ${coldMedian / plainMedian >= 0.4 ? 'met (cold)' : warmMedian / plainMedian >= 0.4 ? 'met (warm only)' : 'NOT met'}; ` +
    `>= 100,000 events/s end to end: ${best >= 100_000 ? 'met' : 'NOT met'}.`;
  return { table, verdict };
}

async function main(): Promise<void> {
  console.error(`preparing ${EVENTS} simulated sends...`);
  const sends = simulatedSends();
  const normalizer = createNormalizer({
    hasher: createHasher(HMAC_KEY),
    asn: await loadAsnDatabase(),
    clock: () => Date.parse('2026-11-24T00:00:00Z'),
  });
  const rows = sends.map((s, i) => {
    const result = normalizer.send(s, i + 1);
    if (!result.ok) throw new Error(`simulated send rejected: ${JSON.stringify(result.rejected)}`);
    return result.row;
  });
  const baselineStart =
    BASELINE_TREE === undefined
      ? undefined
      : ((await import(pathToFileURL(join(BASELINE_TREE, 'apps/server/src/index.ts')).href)) as { startPlatform: typeof startPlatform })
          .startPlatform;
  const loadBefore = loadAverage();
  console.error(`load average before: ${loadBefore}`);
  const measured = await measure(ndjsonBodies(sends), ndjsonBodies(sends, 'warmup-'), rows, baselineStart);
  const loadAfter = loadAverage();
  console.error(`load average after: ${loadAfter}`);
  const { table, verdict } = resultsTable(measured);
  console.log(table);
  console.log(verdict);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
  writeResultsSection(
    'ingest',
    [
      `Command: \`${BASELINE_TREE === undefined ? '' : 'BENCH_BASELINE=DIR '}npm run bench:ingest\` (${EVENTS.toLocaleString('en-US')} simulated sends over ${new Set(sends.map((s) => (s.phone as string).slice(0, -3))).size.toLocaleString('en-US')} number blocks, NDJSON batches of ${BATCH}, ${CONCURRENCY} concurrent HTTP clients on loopback in a worker thread, ${RUNS} alternating runs; embedded chDB store, fresh data directory per run; the raw insert writes the same rows, prepared, in inserts of ${fmt(FLUSH_TARGET_ROWS)} (the group commit's target) into the same tables, views and indexes; the plain-table insert hands the same NDJSON request bodies to chDB's raw insert into one MergeTree table of the wire's fields; this tree also runs with one ingest worker thread; \`BENCH_EVENTS\`, \`BENCH_RUNS\` change the size${BASELINE_TREE === undefined ? '' : `; the baseline server is ${basename(BASELINE_TREE)}, a \`git archive\` of that commit`}).`,
      `Measured ${new Date().toISOString().slice(0, 10)} at commit ${commit} on ${process.platform} ${process.arch}, Node ${process.version}, 2 cores shared with other work; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`,
      '',
      table,
      '',
      verdict,
      '',
      'Reading: end to end cannot beat the raw insert of the same rows, which the schema bounds (`ingest: what each view and',
      'index costs`); the plain-table insert is what the engine does with the same lines and nothing else. The warm runs store',
      "the warm-up pass too, so their store merges twice the data meanwhile. CPU per event moves less with the machine's",
      "load than the rates do. The stall is the event loop's longest delay during the run (perf_hooks.monitorEventLoopDelay,",
      `${LOOP_DELAY_RESOLUTION_MS} ms resolution): how long a decision or a timer could have waited behind ingest. Rows per insert come from`,
      "the server's tollgate_store_insert_rows histogram: the group commit's combining of concurrent requests. Where the time",
      'of end to end goes: `ingest: CPU profile` (BENCH_CPU_PROFILE).',
    ].join('\n'),
  );
  if (measured.profiled !== undefined) writeProfileSection(commit, loadBefore, measured.profiled, measured.baselineProfiled);
}

/** The profiled cold run's top costs per event, and the baseline server's of the same round when there is one. */
function writeProfileSection(commit: string, loadBefore: string, profiled: Profiled, baselineProfiled: Profiled | undefined): void {
  mkdirSync(PROFILE_DIR!, { recursive: true });
  const tablesOf = (taken: Profiled, file: string) => {
    writeFileSync(join(PROFILE_DIR!, file), JSON.stringify(taken.profile));
    return profileTables(taken.profile, { units: EVENTS, unitName: 'event', windows: [taken.window] });
  };
  const cpuLine = (taken: Profiled) =>
    `Process CPU during the profiled run, all threads (the engine's insert and merge threads included): ${(taken.cpuUs / EVENTS).toFixed(1)} us per event; the main thread's share is the total below.`;
  const tables = tablesOf(profiled, 'ingest.cpuprofile');
  console.log(tables);
  const before =
    baselineProfiled === undefined
      ? []
      : [
          '',
          `### Before: the server of BENCH_BASELINE (${basename(BASELINE_TREE!)}), first cold run of the same round`,
          '',
          cpuLine(baselineProfiled),
          '',
          tablesOf(baselineProfiled, 'ingest-baseline.cpuprofile'),
        ];
  writeResultsSection(
    `ingest: CPU profile at ${commit}`,
    [
      `Command: \`${BASELINE_TREE === undefined ? '' : 'BENCH_BASELINE=DIR '}BENCH_CPU_PROFILE=bench/.profiles npm run bench:ingest\` (the first cold run of the table above, profiled with the inspector's Profiler from the first request to the last answer; the main thread holds the server and the embedded store's calls, the HTTP clients run in a worker thread; tables by bench/cpu-profile-table.ts). Load average ${loadBefore} before the runs.`,
      '',
      ...(baselineProfiled === undefined ? [] : [`### After: this tree (${commit})`, '']),
      cpuLine(profiled),
      '',
      tables,
      ...before,
    ].join('\n'),
  );
}

function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

await main();
