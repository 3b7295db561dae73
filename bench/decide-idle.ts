/**
 * What an all-roles server spends when nobody asks, and what holds its event loop while decisions
 * wait: `node apps/cli/bin/run-ts.js bench/decide-idle.ts` (by hand; prints Markdown tables for
 * RESULTS.md). Servers as bench:decide starts them (`tollgate serve`, 1,000 breakers tripped, the
 * bench's rules, pinned to the server core), warmed by a few seconds of decisions, then:
 *
 * 1. IDLE_S without requests: each thread's CPU and wake-ups (voluntary context switches), grouped
 *    by the name the thread gives itself (/proc/PID/task/TID/comm: node's `node`, `libuv-worker`,
 *    V8's, the engine's `BgSchPool`, `MemoryWorker`, ...), for this tree and BENCH_BASELINE's.
 *    A third server of this tree under bench/decide-idle-jobs.preload.js splits its event loop's
 *    time by job (timer by timer, with the queries and callbacks each leads to).
 * 2. LOAD_S of decisions (long enough for a detection cycle) on each server in turn: p99, the
 *    loop's longest delay from /metrics, and on the preloaded server the longest single turns of
 *    the loop, by job.
 *
 * BENCH_IDLE_SECONDS (60), BENCH_LOAD_SECONDS (65) change the lengths.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADMIN_KEY,
  allowRequests,
  benchRules,
  load,
  loadAverage,
  pinLoadGenerator,
  start,
  stop,
  tripBreakers,
  type Server,
} from './decide-harness.ts';

const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const LOAD_S = Number(process.env.BENCH_LOAD_SECONDS ?? 65);
const WARM_UP_S = 3;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RULES_DIR = fileURLToPath(new URL('../alert-rules/', import.meta.url));
const JOBS_PRELOAD = fileURLToPath(new URL('./decide-idle-jobs.preload.js', import.meta.url));
const BASELINE_TREE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;

interface Thread {
  name: string;
  cpuNs: number;
  wakeUps: number;
}

function threadsOf(pid: number): Map<number, Thread> {
  const threads = new Map<number, Thread>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const cpuNs = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const wakeUps = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      threads.set(Number(tid), { name: Number(tid) === pid ? 'event loop (main thread)' : name, cpuNs, wakeUps });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

interface NameRow {
  threads: number;
  cpuMsPerS: number;
  wakeUpsPerS: number;
}

/** Per thread name over `seconds`: how many threads, their CPU and wake-ups a second. */
function byName(before: Map<number, Thread>, after: Map<number, Thread>, seconds: number): Map<string, NameRow> {
  const rows = new Map<string, NameRow>();
  for (const [tid, now] of after) {
    const then = before.get(tid);
    const row = rows.get(now.name) ?? { threads: 0, cpuMsPerS: 0, wakeUpsPerS: 0 };
    row.threads += 1;
    row.cpuMsPerS += (now.cpuNs - (then?.cpuNs ?? 0)) / 1e6 / seconds;
    row.wakeUpsPerS += (now.wakeUps - (then?.wakeUps ?? 0)) / seconds;
    rows.set(now.name, row);
  }
  return rows;
}

interface JobsDump {
  seconds: number;
  jobs: [string, { ms: number; calls: number; longestMs: number; longestCpuMs: number }][];
  /** Job, wall ms, and for a background job the loop thread's CPU ms and wait ms over the callback. */
  turns: [string, number, number | null, number | null][];
  gcPausesMs: number[];
}

async function jobsOf(server: Server, file: string): Promise<JobsDump> {
  rmSync(file, { force: true });
  server.child.kill('SIGUSR2');
  for (;;) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as JobsDump;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The loop's longest delay since the last scrape, from the server's /metrics (prom-client resets it on each scrape). */
async function loopLagMaxMs(server: Server): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  const match = /^tollgate_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  return match === null ? NaN : Number(match[1]) * 1_000;
}

/** A job's longest callback, wall and (for a background job, whose callbacks the preload times on the thread's clock) CPU. */
function longest(name: string, j: { longestMs: number; longestCpuMs: number }, digits: number): string {
  const background = name !== 'request' && !name.startsWith('other');
  return `${j.longestMs.toFixed(digits)}, ${background ? j.longestCpuMs.toFixed(digits) : '-'}`;
}

async function main() {
  const pinned = pinLoadGenerator();
  const dirs: string[] = [];
  const rules = mkdtempSync(join(tmpdir(), 'tollgate-idle-rules-'));
  rmSync(rules, { recursive: true });
  benchRules(RULES_DIR, rules);
  dirs.push(rules);
  const jobsFile = join(tmpdir(), `tollgate-idle-jobs-${process.pid}.json`);
  const serve = (tree: string, env: Record<string, string> = {}) => {
    const data = mkdtempSync(join(tmpdir(), 'tollgate-idle-'));
    dirs.push(data);
    return start(
      [join(tree, 'apps/cli/bin/tollgate.js'), 'serve'],
      { TOLLGATE_DATA_DIR: data, TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_RULES_DIR: rules, ...env },
      pinned,
    );
  };
  console.error(`load average before: ${loadAverage()}`);
  const servers: { name: string; server: Server }[] = [{ name: 'this tree', server: await serve(ROOT) }];
  if (BASELINE_TREE) servers.push({ name: 'BENCH_BASELINE', server: await serve(BASELINE_TREE) });
  const jobs = await serve(ROOT, { NODE_OPTIONS: `--import ${JOBS_PRELOAD}`, BENCH_JOBS_FILE: jobsFile });
  const all = [...servers, { name: 'this tree, jobs preload', server: jobs }];
  try {
    await Promise.all(all.map(({ server }) => tripBreakers(server.url)));
    const bodies = allowRequests();
    for (const { server } of all) await load(server, bodies, WARM_UP_S);
    // Let the warm-up's counts flush and its queries settle before the quiet starts.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    console.error(`${IDLE_S} s without requests...`);
    await jobsOf(jobs, jobsFile);
    const before = all.map(({ server }) => threadsOf(server.child.pid!));
    await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1_000));
    const idle = all.map(({ server }, i) => byName(before[i]!, threadsOf(server.child.pid!), IDLE_S));
    const idleJobs = await jobsOf(jobs, jobsFile);
    console.error(`load average after the quiet: ${loadAverage()}`);

    const names = [...new Set(idle.flatMap((rows) => [...rows.keys()]))].sort(
      (a, b) => (idle[0]!.get(b)?.cpuMsPerS ?? 0) - (idle[0]!.get(a)?.cpuMsPerS ?? 0),
    );
    const cell = (row: NameRow | undefined) =>
      row === undefined ? '-' : `${row.cpuMsPerS.toFixed(2)} (${row.wakeUpsPerS.toFixed(1)}, ${row.threads})`;
    console.log(`| thread (name) | ${all.map((s) => s.name).join(' | ')} |`);
    console.log(`| --- | ${all.map(() => '---:').join(' | ')} |`);
    for (const name of names) console.log(`| ${name} | ${idle.map((rows) => cell(rows.get(name))).join(' | ')} |`);
    const total = (rows: Map<string, NameRow>) => [...rows.values()].reduce((sum, r) => sum + r.cpuMsPerS, 0);
    const wakes = (rows: Map<string, NameRow>) => [...rows.values()].reduce((sum, r) => sum + r.wakeUpsPerS, 0);
    console.log(`| all threads | ${idle.map((rows) => `${total(rows).toFixed(2)} (${wakes(rows).toFixed(1)})`).join(' | ')} |`);
    console.log('');
    console.log(`| job on the event loop (idle ${IDLE_S} s) | loop ms a second | callbacks a second | longest callback ms (wall, CPU) |`);
    console.log('| --- | ---: | ---: | ---: |');
    for (const [name, j] of idleJobs.jobs.sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(
        `| ${name} | ${(j.ms / idleJobs.seconds).toFixed(3)} | ${(j.calls / idleJobs.seconds).toFixed(1)} | ${longest(name, j, 2)} |`,
      );
    }
    console.log('');

    console.error(`${LOAD_S} s of decisions on each server...`);
    console.log(`| under ${LOAD_S} s of decisions | requests/s | p99 ms | loop's longest delay ms (/metrics) |`);
    console.log('| --- | ---: | ---: | ---: |');
    for (const { name, server } of all) {
      await loopLagMaxMs(server);
      if (server === jobs) await jobsOf(jobs, jobsFile);
      const result = await load(server, bodies, LOAD_S);
      const lag = await loopLagMaxMs(server);
      console.log(`| ${name} | ${Math.round(result.rps)} | ${result.p99.toFixed(2)} | ${lag.toFixed(1)} |`);
    }
    const loaded = await jobsOf(jobs, jobsFile);
    console.log('');
    console.log(`| longest callbacks on the loop under decisions (jobs preload) | wall ms | loop CPU ms | loop waiting for its core ms |`);
    console.log('| --- | ---: | ---: | ---: |');
    const ms = (n: number | null) => (n === null ? '-' : n.toFixed(1));
    for (const [name, wall, cpu, wait] of loaded.turns.slice(0, 12))
      console.log(`| ${name} | ${wall.toFixed(1)} | ${ms(cpu)} | ${ms(wait)} |`);
    console.log(
      `\nCollections of 5 ms or more under decisions (jobs preload), ms: ${loaded.gcPausesMs.map((ms) => ms.toFixed(1)).join(', ') || 'none'}\n`,
    );
    console.log(`| job under decisions | loop ms a second | callbacks a second | longest callback ms (wall, CPU) |`);
    console.log('| --- | ---: | ---: | ---: |');
    for (const [name, j] of loaded.jobs.sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) {
      console.log(
        `| ${name} | ${(j.ms / loaded.seconds).toFixed(2)} | ${(j.calls / loaded.seconds).toFixed(1)} | ${longest(name, j, 1)} |`,
      );
    }
    console.error(`load average at the end: ${loadAverage()}`);
  } finally {
    for (const { server } of all) await stop(server.child);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    rmSync(jobsFile, { force: true });
  }
}

await main();
