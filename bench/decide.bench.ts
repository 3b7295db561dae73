/**
 * Decision benchmark (`npm run bench:decide`): at 50 concurrent connections over loopback,
 * `POST /v1/decide` on the real server (1,000 breakers loaded, velocity rules on, risk scoring on)
 * and on a second one with risk scoring off (the shipped policy with `risk: mode: off`) against a
 * bare fastify route answering a constant in the same kind of process, alternating runs so machine
 * noise hits all alike; then the SDK's in-process cached decision. The bare route runs twice: with
 * fastify's defaults (the baseline of the targets: what a service comparing Tollgate with any
 * fastify route would see) and with the fastify options of the real server (its logger, request
 * log and proxy trust, so what those options cost a request shows beside it). A decide-only node
 * (`TOLLGATE_ROLES=decide`, scoring on) runs beside the all-roles server, reported apart: the
 * targets are judged on the all-roles server.
 * The traffic is nearly all answered `allow` (`allowRequests`: an app without the app-wide ceiling,
 * distinct phones, subnets and sessions), and the decision mix is reported from the server's counts.
 * Writes its section of bench/RESULTS.md. Targets: >= 60 % of the bare route's requests/s with
 * p99 <= 2x the bare route's, in the same run; >= 1,000,000 cached decisions/s.
 * BENCH_CPU_PROFILE=DIR also profiles the scoring-on server, the baseline and both bare routes
 * (`node --cpu-prof`) and writes the top costs per request of their measured runs to RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBreakerCache } from '@tollgate/client';
import { startFlagsFor } from '../apps/server/src/heap-settings.ts';
import { rolesFromEnv } from '../apps/server/src/node-roles.ts';
import { profileTables, type CpuProfile, type SampleWindow } from './cpu-profile-table.ts';
import { watchCoreUse, type CoreUseRow, type ThreadGroup } from './core-use.ts';
import type { GcTotals } from './gc-trace.ts';
import {
  ADMIN_KEY,
  ALLOW_BODY_COUNT,
  allowRequests,
  BREAKERS,
  BARE_SERVER,
  benchRules,
  CONNECTIONS,
  DURATION_S,
  load,
  loadAverage,
  measureOtherWork,
  monotonicUs,
  pinLoadGenerator,
  RUN_TS,
  start,
  stop,
  tripBreakers,
  type LoadResult,
  type Server,
} from './decide-harness.ts';
import { median, writeResultsSection } from './results-file.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// Other work on the machine starves all servers alike and pulls every ratio towards 100 %: past
// this share of the machine's busy CPU during the runs, the verdict says the rates are noisy.
const MAX_OTHER_WORK_SHARE = 0.1;
// The server flushes its decision counts every 5 s; the mix waits for them this long at most.
const MIX_DEADLINE_MS = 30_000;
const MIX_POLL_MS = 500;
// After the runs, every server is left without requests this long and its threads' CPU read: the
// work it does whatever the traffic (timers, the engine's own schedules, a detection cycle a minute).
const IDLE_S = Number(process.env.BENCH_IDLE_SECONDS ?? 60);

const RULES_DIR = fileURLToPath(new URL('../alert-rules/', import.meta.url));
/**
 * Every measured server runs under `--trace-gc`: its collections per request are in the thread
 * table (one line a collection on a pipe, a few a second).
 */
const TRACE_GC = { traceGc: true };

/**
 * BENCH_NODE_FLAGS: node's flags for this tree's decide servers only (say `--max-semi-space-size=64`),
 * to try one against BENCH_BASELINE, which runs without them, in the same rounds.
 */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');

/** This tree's root, whose `apps/cli/bin/tollgate.js` serves the decide servers. */
const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The bench's rules (`benchRules`), with risk scoring on or turned off. */
function rulesDir(scoring: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-rules-'));
  benchRules(RULES_DIR, dir);
  if (scoring) return dir;
  const policyPath = join(dir, 'breaker-policy.yaml');
  const policy = readFileSync(policyPath, 'utf8');
  const off = policy.replace(/^ {2}mode: enforce\b/m, '  mode: off');
  if (off === policy) throw new Error('the shipped breaker policy has no "risk: mode: enforce" line to turn off');
  writeFileSync(policyPath, off);
  return dir;
}

function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

function cachedDecisionsPerSecond(): number {
  const snapshot = {
    version: 1,
    generated_at: Date.now(),
    breakers: Array.from({ length: BREAKERS }, (_, b) => ({
      id: `b${b}`,
      scope: b % 2 === 0 ? { prefix: `+998 ${String(100 + (b % 900)).padStart(3, '0')}` } : { asn: 100_000 + b },
      action: 'block' as const,
      mode: 'enforce' as const,
      state: 'open' as const,
      probe_share: 0.05,
      expires_at: null,
    })),
  };
  const cache = createBreakerCache({ baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', refreshMs: 3_600_000 });
  cache.applySnapshot(snapshot);
  const requests = Array.from({ length: 1_000 }, (_, i) => ({
    app: 'shop',
    flow: 'login',
    country: 'GB',
    prefix: `+44 ${700 + (i % 99)}`,
    asn: 2856 + (i % 7),
  }));
  const samples: number[] = [];
  for (let run = 0; run < 5; run++) {
    const n = 2_000_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) cache.decideLocally(requests[i % requests.length]!);
    samples.push(n / ((performance.now() - started) / 1000));
  }
  cache.stop();
  return median(samples);
}

/**
 * What the server decided during the runs, from its own decision counts (the rollup that prices
 * blocked sends): they reach the store on the counter's next flush, so this polls until all
 * `requests` are counted.
 */
async function decisionMix(url: string, requests: number): Promise<{ text: string; allowedShare: number }> {
  const deadline = Date.now() + MIX_DEADLINE_MS;
  for (;;) {
    const res = await fetch(`${url}/v1/metrics/decisions?interval=1h`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const { points } = (await res.json()) as { points: { allowed: number; challenged: number; blocked: number }[] };
    const sum = (pick: (p: (typeof points)[number]) => number) => points.reduce((total, p) => total + pick(p), 0);
    const counted = { allowed: sum((p) => p.allowed), challenged: sum((p) => p.challenged), blocked: sum((p) => p.blocked) };
    const total = counted.allowed + counted.challenged + counted.blocked;
    if (total >= requests || Date.now() > deadline) {
      const share = (n: number) => `${((n / Math.max(total, 1)) * 100).toFixed(1)} %`;
      return {
        text: `${share(counted.allowed)} allowed, ${share(counted.challenged)} challenged, ${share(counted.blocked)} blocked (of ${total.toLocaleString('en-US')} counted)`,
        allowedShare: counted.allowed / Math.max(total, 1),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, MIX_POLL_MS));
  }
}

/**
 * BENCH_BASELINE=DIR: the root of another checkout (an earlier commit from `git archive`, with a
 * node_modules that links this one's packages and its own workspace packages) whose decide server
 * runs in the same rounds, scoring on, so a change is measured against its baseline in one run.
 */
const BASELINE_TREE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;

/** Where the profiled servers write their `.cpuprofile` (BENCH_CPU_PROFILE), or undefined. */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE ? resolve(process.env.BENCH_CPU_PROFILE) : undefined;

/** Node's flags for a server: a CPU profile into its own directory under PROFILE_DIR when asked. */
function profiled(name: string, args: string[]): string[] {
  if (PROFILE_DIR === undefined) return args;
  const dir = join(PROFILE_DIR, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...args];
}

/** The profile a server wrote at exit, summarised over the windows of its runs. */
function profileSection(name: string, units: number, windows: SampleWindow[]): string {
  const dir = join(PROFILE_DIR!, name);
  // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile: thread 0 is the main thread (tsx's loader has its own).
  const [file] = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  if (file === undefined) throw new Error(`no CPU profile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  return profileTables(profile, { units, unitName: 'request', windows });
}

/** The seven servers of a run (five without BENCH_BASELINE) and the directories they use. */
interface Servers {
  decide: Server;
  scoringOff: Server;
  /** This tree with `TOLLGATE_ROLES=decide`, risk scoring on: the node the README recommends for decisions. */
  decideOnly: Server;
  baseline: Server | undefined;
  /**
   * A second server of the baseline tree on its own store (A/A): two identical servers in the same
   * rounds show how far this run's medians move by chance, the least difference it can tell.
   */
  baselineTwin: Server | undefined;
  bare: Server;
  bareDefaults: Server;
  /** Data and rules directories, removed at the end. */
  dirs: string[];
}

async function startServers(pinned: boolean): Promise<Servers> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-'));
  const offDataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-off-'));
  const onRules = rulesDir(true);
  const offRules = rulesDir(false);
  const dirs = [dataDir, offDataDir, onRules, offRules];
  const serve = (tree: string, data: string, rules: string) => ({
    args: [...(tree === ROOT ? NODE_FLAGS : []), join(tree, 'apps/cli/bin/tollgate.js'), 'serve'],
    env: { TOLLGATE_DATA_DIR: data, TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_RULES_DIR: rules },
  });
  const here = serve(ROOT, dataDir, onRules);
  const decide = await start(profiled('decide', here.args), here.env, pinned, TRACE_GC);
  const off = serve(ROOT, offDataDir, offRules);
  const scoringOff = await start(off.args, off.env, pinned, TRACE_GC);
  const decideOnly = await startDecideOnly(serve(ROOT, mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-only-')), onRules), pinned);
  dirs.push(decideOnly.dataDir);
  let baseline: Server | undefined;
  let baselineTwin: Server | undefined;
  if (BASELINE_TREE !== undefined) {
    const baselineDataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-baseline-'));
    const twinDataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-baseline-twin-'));
    dirs.push(baselineDataDir, twinDataDir);
    const before = serve(BASELINE_TREE, baselineDataDir, onRules);
    baseline = await start(profiled('baseline', before.args), before.env, pinned, TRACE_GC);
    const twin = serve(BASELINE_TREE, twinDataDir, onRules);
    baselineTwin = await start(twin.args, twin.env, pinned, TRACE_GC);
  }
  const bare = await start(profiled('bare', [RUN_TS, BARE_SERVER]), { BARE_FASTIFY: 'server' }, pinned, TRACE_GC);
  const bareDefaults = await start(profiled('bare-defaults', [RUN_TS, BARE_SERVER]), { BARE_FASTIFY: 'defaults' }, pinned, TRACE_GC);
  return { decide, scoringOff, decideOnly: decideOnly.server, baseline, baselineTwin, bare, bareDefaults, dirs };
}

/**
 * A decide-only node on its own store. Its breakers come from the store (it serves no
 * `/v1/breakers`), so an all-roles server on that store trips them first and stops.
 */
async function startDecideOnly(
  serve: { args: string[]; env: Record<string, string> },
  pinned: boolean,
): Promise<{ server: Server; dataDir: string }> {
  const tripper = await start(serve.args, serve.env, pinned);
  try {
    await tripBreakers(tripper.url);
  } finally {
    await stop(tripper.child);
  }
  // It starts as the docs say a decide node on its cores should (pinned: one core, so one-thread GC).
  const flags = startFlagsFor(rolesFromEnv({ TOLLGATE_ROLES: 'decide' }), pinned ? 1 : availableParallelism());
  const server = await start([...flags, ...serve.args], { ...serve.env, TOLLGATE_ROLES: 'decide' }, pinned, TRACE_GC);
  return { server, dataDir: serve.env.TOLLGATE_DATA_DIR! };
}

async function stopServers(servers: Servers): Promise<void> {
  for (const server of [
    servers.decide,
    servers.scoringOff,
    servers.decideOnly,
    servers.bare,
    servers.bareDefaults,
    servers.baseline,
    servers.baselineTwin,
  ]) {
    if (server !== undefined) await stop(server.child);
  }
  for (const dir of servers.dirs) rmSync(dir, { recursive: true, force: true });
}

/** One server's runs, and the windows of its measured runs on the profile's clock when it is profiled. */
interface Target {
  name: string;
  server: Server;
  runs: LoadResult[];
  windows: SampleWindow[] | undefined;
}

interface Measured {
  targets: {
    decide: Target;
    scoringOff: Target;
    decideOnly: Target;
    bare: Target;
    bareDefaults: Target;
    baseline: Target | undefined;
    baselineTwin: Target | undefined;
  };
  warmUpRequests: number;
  otherWorkShare: number | undefined;
  /** Each server's threads with no requests for IDLE_S, by target name (empty when IDLE_S is 0). */
  idle: Map<string, CoreUseRow[]>;
}

/** Trips the breakers, warms every server up, then runs the alternating rounds. */
async function measure(servers: Servers, bodies: () => string): Promise<Measured> {
  const target = (name: string, server: Server, profiledWindows: boolean): Target => ({
    name,
    server,
    runs: [],
    windows: PROFILE_DIR !== undefined && profiledWindows ? [] : undefined,
  });
  const targets = {
    decide: target('decide', servers.decide, true),
    scoringOff: target('decide, scoring off', servers.scoringOff, false),
    decideOnly: target('decide-only node', servers.decideOnly, false),
    bare: target('bare', servers.bare, true),
    bareDefaults: target('bare defaults', servers.bareDefaults, true),
    baseline: servers.baseline === undefined ? undefined : target('decide at the baseline tree', servers.baseline, true),
    baselineTwin:
      servers.baselineTwin === undefined ? undefined : target('decide at the baseline tree, second server', servers.baselineTwin, false),
  };
  const all = [
    targets.bare,
    targets.bareDefaults,
    targets.decide,
    targets.scoringOff,
    targets.decideOnly,
    ...(targets.baseline ? [targets.baseline] : []),
    ...(targets.baselineTwin ? [targets.baselineTwin] : []),
  ];
  console.error(`tripping ${BREAKERS} breakers...`);
  const deciding = [servers.decide, servers.scoringOff, ...[servers.baseline, servers.baselineTwin].filter((s) => s !== undefined)];
  await Promise.all(deciding.map((server) => tripBreakers(server.url)));
  // Warm-up: JIT and the number-block cache.
  let warmUpRequests = 0;
  for (const t of all) {
    const warmUp = await load(t.server, bodies, 2);
    if (t === targets.decide) warmUpRequests = warmUp.requests;
  }
  const otherWork = measureOtherWork(all.map((t) => t.server.child));
  for (let run = 0; run < RUNS; run++) {
    // Each round starts with the next server: whichever runs right after /v1/decide meets its
    // after-effects (the counts flush, a collection), and that must not always be the same one.
    const order = [...all.slice(run % all.length), ...all.slice(0, run % all.length)];
    const line: string[] = [];
    for (const t of order) {
      const fromUs = monotonicUs();
      const result = await load(t.server, bodies, DURATION_S);
      t.windows?.push({ fromUs, toUs: monotonicUs() });
      if (result.errors > 0) throw new Error(`${t.name} answered ${result.errors} errors`);
      t.runs.push(result);
      line.push(
        `${t.name} ${Math.round(result.rps)} req/s p99 ${result.p99.toFixed(2)} ms cpu ${result.serverCpuUs?.toFixed(1) ?? '?'} us/req`,
      );
    }
    console.error(`run ${run + 1}/${RUNS}: ${line.join('; ')}`);
  }
  const otherWorkShare = otherWork();
  return { targets, warmUpRequests, otherWorkShare, idle: await idleCoreUse(all) };
}

/** Every server's threads over IDLE_S without requests, all servers at once. */
async function idleCoreUse(all: Target[]): Promise<Map<string, CoreUseRow[]>> {
  if (IDLE_S <= 0) return new Map();
  console.error(`${IDLE_S} s without requests...`);
  const read = watchCoreUse(all.map((t) => ({ label: t.name, pid: t.server.child.pid! })));
  await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1_000));
  const rows = read(IDLE_S);
  return new Map(all.map((t) => [t.name, rows.filter((row) => row.label === t.name)]));
}

function requestsOf(runs: LoadResult[]): number {
  return runs.reduce((total, r) => total + r.requests, 0);
}

/**
 * The `decide: CPU profile` section: per request, the profiled servers' measured runs only. One
 * heading whatever the commit (named in the body), so a new run replaces the last in place.
 */
function writeProfileSection(targets: Measured['targets'], loadBefore: string, loadAfter: string): void {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
  const sections: { title: string; dir: string; target: Target }[] = [
    { title: 'POST /v1/decide, risk scoring on', dir: 'decide', target: targets.decide },
    ...(targets.baseline
      ? [{ title: 'POST /v1/decide of the baseline tree (BENCH_BASELINE), risk scoring on', dir: 'baseline', target: targets.baseline }]
      : []),
    { title: 'Bare route, fastify defaults', dir: 'bare-defaults', target: targets.bareDefaults },
    { title: 'Bare route, server options', dir: 'bare', target: targets.bare },
  ];
  const body: string[] = [
    `Command: \`${BASELINE_TREE ? 'BENCH_BASELINE=DIR ' : ''}BENCH_CPU_PROFILE=bench/.profiles npm run bench:decide\` (the runs of \`decide\` above; the scoring-on server${BASELINE_TREE ? ', the baseline' : ''} and both bare routes under \`node --cpu-prof\`, the samples of their ${RUNS} measured runs only, divided by the requests those runs answered; main thread only, so the garbage collector's helper threads are not in it; tables by bench/cpu-profile-table.ts). Commit ${commit}, load average ${loadBefore} before and ${loadAfter} after.`,
  ];
  for (const { title, dir, target } of sections) {
    const tables = profileSection(dir, requestsOf(target.runs), target.windows ?? []);
    console.log(`${title}\n\n${tables}\n`);
    body.push('', `${title} (${fmtCount(requestsOf(target.runs))} requests):`, '', tables);
  }
  writeResultsSection('decide: CPU profile', body.join('\n'));
}

/** Medians of the runs of each target, for the table and the verdict. */
interface Medians {
  rps: number;
  p99: number;
  cpuUs: number | undefined;
}

function mediansOf(runs: LoadResult[]): Medians {
  const cpu = runs.map((r) => r.serverCpuUs).filter((v): v is number => v !== undefined);
  return {
    rps: median(runs.map((r) => r.rps)),
    p99: median(runs.map((r) => r.p99)),
    cpuUs: cpu.length === runs.length ? median(cpu) : undefined,
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(1));
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`;
const times = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
const ms = (n: number) => n.toFixed(2);
const judge = (ok: boolean) => (ok ? 'met' : 'NOT met');

function summaryTable(targets: Measured['targets'], cached: number): string {
  const [on, off, bare, defaults] = [targets.decide, targets.scoringOff, targets.bare, targets.bareDefaults].map((t) =>
    mediansOf(t.runs),
  ) as [Medians, Medians, Medians, Medians];
  const all = (t: Target) => t.runs.map((r) => fmt(r.rps)).join(', ');
  return [
    '| measure | /v1/decide, risk scoring on (1,000 breakers, velocity on) | /v1/decide, risk scoring off | bare route, fastify defaults | on / bare defaults | off / bare defaults | bare route, server options | on / bare, server options |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    `| requests/s (median of ${RUNS}) | ${fmt(on.rps)} | ${fmt(off.rps)} | ${fmt(defaults.rps)} | ${pct(on.rps, defaults.rps)} | ${pct(off.rps, defaults.rps)} | ${fmt(bare.rps)} | ${pct(on.rps, bare.rps)} |`,
    `| requests/s, each run | ${all(targets.decide)} | ${all(targets.scoringOff)} | ${all(targets.bareDefaults)} | | | ${all(targets.bare)} | |`,
    `| p99 latency ms (median of ${RUNS}) | ${ms(on.p99)} | ${ms(off.p99)} | ${ms(defaults.p99)} | ${times(on.p99, defaults.p99)} | ${times(off.p99, defaults.p99)} | ${ms(bare.p99)} | ${times(on.p99, bare.p99)} |`,
    `| server CPU per request, us (median of ${RUNS}) | ${us(on.cpuUs)} | ${us(off.cpuUs)} | ${us(defaults.cpuUs)} | | | ${us(bare.cpuUs)} | |`,
    `| SDK cached decisions/s (1,000 breakers, median of 5) | ${fmt(cached)} | | | | | | |`,
  ].join('\n');
}

const THREAD_GROUPS: { group: ThreadGroup; name: string }[] = [
  { group: 'event loop', name: 'event loop (main thread)' },
  { group: 'node helpers', name: "node's helpers (garbage collector, libuv's pool)" },
  { group: 'engine', name: "the embedded engine's threads" },
];

/** The servers' collections during their runs (`--trace-gc`), medians of the runs. */
function gcRows(targets: Target[]): string[] {
  const per = (t: Target, pick: (gc: GcTotals) => number, scale: number, digits: number) => {
    const runs = t.runs.filter((r) => r.gc !== undefined && r.requests > 0);
    return runs.length === 0 ? '-' : median(runs.map((r) => (pick(r.gc!) * scale) / r.requests)).toFixed(digits);
  };
  const row = (name: string, pick: (gc: GcTotals) => number, scale: number, digits: number) =>
    `| ${name} | ${targets.map((t) => per(t, pick, scale, digits)).join(' | ')} |`;
  return [
    row('scavenges (young heap) per 10,000 requests (`--trace-gc`)', (gc) => gc.scavenges, 10_000, 1),
    row('mark-compacts (whole heap) per 100,000 requests', (gc) => gc.markCompacts, 100_000, 2),
    row(
      'collections holding the event loop, us per request (scavenges, mark-compacts with their marking steps)',
      (gc) => gc.scavengeMs + gc.markCompactMs,
      1_000,
      2,
    ),
  ];
}

/**
 * Server CPU per request by thread (medians of the runs), and what each server's threads spend
 * with no requests at all: the background a server carries, spread over the requests of its runs.
 */
function threadsTable(measured: Measured): string {
  const { targets, idle } = measured;
  const columns = [
    { title: '/v1/decide, scoring on', target: targets.decide },
    { title: '/v1/decide, scoring off', target: targets.scoringOff },
    { title: '/v1/decide, decide-only node', target: targets.decideOnly },
    ...(targets.baseline ? [{ title: '/v1/decide at BENCH_BASELINE', target: targets.baseline }] : []),
    { title: 'bare route, fastify defaults', target: targets.bareDefaults },
    { title: 'bare route, server options', target: targets.bare },
  ];
  const perRequest = (t: Target, group: ThreadGroup) => us(median(t.runs.map((r) => r.serverThreadsUs[group] ?? 0)));
  const idleMsPerS = (t: Target) => (idle.get(t.name) ?? []).reduce((sum, row) => sum + row.cpuMsPerS, 0);
  const idleRows =
    IDLE_S > 0
      ? [
          `| no requests for ${IDLE_S} s: CPU, ms a second (all threads) | ${columns.map((c) => idleMsPerS(c.target).toFixed(1)).join(' | ')} |`,
          `| the same at the run's median rate, us per request | ${columns.map((c) => us((idleMsPerS(c.target) * 1_000) / mediansOf(c.target.runs).rps)).join(' | ')} |`,
        ]
      : [];
  return [
    `| server CPU per request by thread, us (median of ${RUNS}) | ${columns.map((c) => c.title).join(' | ')} |`,
    `| --- | ${columns.map(() => '---').join(' | ')} |`,
    ...THREAD_GROUPS.map(({ group, name }) => `| ${name} | ${columns.map((c) => perRequest(c.target, group)).join(' | ')} |`),
    ...gcRows(columns.map((c) => c.target)),
    ...idleRows,
  ].join('\n');
}

/** The targets, judged against the bare route with fastify's defaults (what services would compare with). */
function verdictOf(targets: Measured['targets'], cached: number, allowedShare: number, otherWorkShare: number | undefined): string {
  const on = mediansOf(targets.decide.runs);
  const defaults = mediansOf(targets.bareDefaults.runs);
  // With the server's core saturated, the rate ratio is the inverse of the CPU ratio; when other work starves every
  // server alike the rates converge, so the CPU ratio says what the rate ratio would be on a quiet machine.
  const cpuShare = on.cpuUs === undefined || defaults.cpuUs === undefined ? undefined : defaults.cpuUs / on.cpuUs;
  const busy = otherWorkShare === undefined || otherWorkShare > MAX_OTHER_WORK_SHARE;
  const otherWorkText = otherWorkShare === undefined ? 'unknown (no /proc)' : `${(otherWorkShare * 100).toFixed(0)} %`;
  return (
    `Targets (risk scoring on, against the bare route with fastify's defaults, same run): >= 60 % of bare requests/s: ${judge(on.rps / defaults.rps >= 0.6)}` +
    (cpuShare === undefined
      ? '; '
      : ` (by server CPU per request, bare / decide = ${(cpuShare * 100).toFixed(0)} %: ${judge(cpuShare >= 0.6)}); `) +
    `p99 <= 2x bare: ${judge(on.p99 <= 2 * defaults.p99)}; ` +
    `most answers allow: ${judge(allowedShare > 0.5)}; ` +
    `>= 1,000,000 cached decisions/s: ${judge(cached >= 1_000_000)}.` +
    (busy
      ? ` Other work took ${otherWorkText} of the machine's CPU during the runs (more than ${MAX_OTHER_WORK_SHARE * 100} %): the ratios are noisier than on a quiet machine.`
      : '')
  );
}

/** The decide-only node's figures beside the all-roles server's and the bare route's of the same rounds. */
function decideOnlyLineOf(targets: Measured['targets']): string {
  const only = mediansOf(targets.decideOnly.runs);
  const all = mediansOf(targets.decide.runs);
  const bare = mediansOf(targets.bareDefaults.runs);
  const cpuShare = only.cpuUs === undefined || bare.cpuUs === undefined ? '' : `, bare / decide-only = ${pct(bare.cpuUs, only.cpuUs)}`;
  return (
    `Same rounds, a decide-only node (\`TOLLGATE_ROLES=decide\`, this tree, risk scoring on, its own store with the same ${fmtCount(BREAKERS)} breakers): ` +
    `${fmt(only.rps)} requests/s (each run ${targets.decideOnly.runs.map((r) => fmt(r.rps)).join(', ')}), ${pct(only.rps, bare.rps)} of the bare route with fastify's defaults ` +
    `(the all-roles server ${pct(all.rps, bare.rps)}); p99 ${ms(only.p99)} ms (${times(only.p99, bare.p99)} bare); server CPU per request ${us(only.cpuUs)} us ` +
    `(each run ${targets.decideOnly.runs.map((r) => us(r.serverCpuUs)).join(', ')}; the all-roles server ${us(all.cpuUs)}${cpuShare}).`
  );
}

function baselineLineOf(targets: Measured['targets']): string {
  const baseline = targets.baseline;
  if (baseline === undefined) return '';
  const before = mediansOf(baseline.runs);
  const after = mediansOf(targets.decide.runs);
  const each = (t: Target, pick: (r: LoadResult) => string) => t.runs.map(pick).join(', ');
  return (
    `Same rounds, the decide server of BENCH_BASELINE (${BASELINE_TREE}), risk scoring on: ${fmt(before.rps)} requests/s (each run ${each(baseline, (r) => fmt(r.rps))}; this tree ${fmt(after.rps)}), ` +
    `p99 ${ms(before.p99)} ms (this tree ${ms(after.p99)}), server CPU per request ${us(before.cpuUs)} us (each run ${each(baseline, (r) => us(r.serverCpuUs))}; this tree ${us(after.cpuUs)}, each run ${each(targets.decide, (r) => us(r.serverCpuUs))}).` +
    aaSentence(targets.decide, baseline, targets.baselineTwin)
  );
}

/**
 * This tree against the baseline, beside the baseline against its own twin: a difference no larger
 * than the twins' is within this run's spread, whatever its sign.
 */
function aaSentence(tree: Target, baseline: Target, twin: Target | undefined): string {
  if (twin === undefined) return '';
  const cpu = (t: Target) => mediansOf(t.runs).cpuUs;
  const change = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? '?' : `${a >= b ? '+' : ''}${Math.round((a / b - 1) * 100)} %`;
  const worse = tree.runs.filter((r, i) => (r.serverCpuUs ?? 0) > (baseline.runs[i]?.serverCpuUs ?? Infinity)).length;
  return (
    ` A second server of the baseline tree in the same rounds (A/A): ${us(cpu(twin))} us (each run ${twin.runs.map((r) => us(r.serverCpuUs)).join(', ')}), ` +
    `${change(cpu(twin), cpu(baseline))} against the first; this tree ${change(cpu(tree), cpu(baseline))} against the baseline, more CPU in ${worse} of ${tree.runs.length} rounds.`
  );
}

async function main(): Promise<void> {
  const pinned = pinLoadGenerator();
  const loadBefore = loadAverage();
  console.error(`load average before: ${loadBefore}`);
  const servers = await startServers(pinned);
  const bodies = allowRequests();
  let measured: Measured;
  let mix: { text: string; allowedShare: number };
  let loadAfter: string;
  try {
    measured = await measure(servers, bodies);
    loadAfter = loadAverage();
    console.error(`load average after: ${loadAfter}`);
    mix = await decisionMix(servers.decide.url, measured.warmUpRequests + requestsOf(measured.targets.decide.runs));
  } finally {
    await stopServers(servers);
  }
  const { targets, otherWorkShare } = measured;
  if (PROFILE_DIR !== undefined) writeProfileSection(targets, loadBefore, loadAfter);
  const cached = cachedDecisionsPerSecond();
  const table = summaryTable(targets, cached);
  const threads = threadsTable(measured);
  const verdict = verdictOf(targets, cached, mix.allowedShare, otherWorkShare);
  const baselineLine = baselineLineOf(targets);
  const decideOnlyLine = decideOnlyLineOf(targets);
  const on = mediansOf(targets.decide.runs);
  const off = mediansOf(targets.scoringOff.runs);
  const scoringCost =
    on.cpuUs === undefined || off.cpuUs === undefined
      ? 'unknown (no /proc)'
      : `${(on.cpuUs - off.cpuUs).toFixed(1)} us of server CPU per request (${us(on.cpuUs)} on, ${us(off.cpuUs)} off)`;
  const otherWorkText = otherWorkShare === undefined ? 'unknown (no /proc)' : `${(otherWorkShare * 100).toFixed(0)} %`;
  console.log(
    `${table}\n\n${threads}\n${verdict}\n${decideOnlyLine}\n${baselineLine}\nWhat risk scoring costs: ${scoringCost}.\nDecisions during the warm-up and the runs: ${mix.text}.`,
  );
  writeResultsSection(
    'decide',
    [
      `Command: \`${BASELINE_TREE ? 'BENCH_BASELINE=DIR ' : ''}${PROFILE_DIR ? 'BENCH_CPU_PROFILE=bench/.profiles ' : ''}npm run bench:decide\` (autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run, p99 from every 2xx answer's own time in microseconds (autocannon's histogram keeps whole milliseconds), ${RUNS} rounds of alternating runs, each round starting with the next server; the ${BASELINE_TREE === undefined ? 'five' : 'seven'} servers (a decide-only node among them${BASELINE_TREE === undefined ? '' : ', two of the baseline tree'}) in child processes on loopback, the decide-only node started as the docs say for its cores${pinned ? ' (one: `--single-threaded-gc`)' : ''}${PROFILE_DIR === undefined ? '' : ' (all but the scoring-off server under `node --cpu-prof`)'}, the load generator in the parent; ${NODE_FLAGS.length > 0 ? `this tree's decide servers with \`${NODE_FLAGS.join(' ')}\`; ` : ''}${pinned ? 'servers pinned to one core, the load generator to the other' : 'not pinned to cores (no taskset)'}; ${fmtCount(ALLOW_BODY_COUNT)} IPs, each in a /24 of its own, with a browser's user agent, time zone and platform, sent round and round, a phone, device and session never sent before in each request, for an app without the app-wide ceiling; then ${IDLE_S} s without requests; \`BENCH_SECONDS\`, \`BENCH_RUNS\`, \`BENCH_IDLE_SECONDS\` change the lengths).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, ${cpus().length} cores shared by the load generator and the server; other work took ${otherWorkText} of the machine's CPU during the runs; load average (1, 5, 15 min) ${loadBefore} before the servers started, ${loadAfter} after the runs.`,
      '',
      table,
      '',
      threads,
      '',
      verdict,
      '',
      decideOnlyLine,
      '',
      ...(baselineLine ? [baselineLine, ''] : []),
      `What risk scoring costs: ${scoringCost}.`,
      '',
      `Decisions of the scoring-on server during the warm-up and the runs, from its decision counts: ${mix.text}.`,
      '',
      'Reading: the ratios of one run are the figures that hold on a shared machine (the rates move with whatever else runs);',
      'the server CPU row moves least. With one core for the load generator and one for the server, the rate of /v1/decide',
      "follows its CPU per request. The targets are judged against the bare route with fastify's defaults; the bare route",
      "with the server's options (its logger, request log, proxy trust) shows what those options cost a request. Where the",
      'CPU goes: `decide: CPU profile` (BENCH_CPU_PROFILE). The scoring-off server is the same server with `risk: mode: off`',
      'in its policy file; the difference of the two CPU rows is what scoring costs a request under this load, the',
      "score's serialization in the answer included; the warm-loop cost of the scoring itself is in `decide: what risk scoring costs`.",
      "The second table splits each server's CPU by thread (/proc/PID/task, bench/core-use.ts): a real server also runs",
      "node's helper threads and the embedded engine's on its core, and without requests it still spends CPU every second",
      "(breaker sync, outboxes, the engine's own schedules, a detection cycle a minute); that row, spread over the run's",
      'requests, is the part of its CPU per request that no request causes. The decide-only node is the layout the README',
      'recommends for decisions (no detection cycle, outboxes or dashboard queries beside them); the targets stay judged',
      "on the all-roles server, which is what `tollgate serve` runs by default. The p99s are read from every answer's own",
      'time since 2026-12-07 (before, autocannon\'s whole milliseconds: a bare p99 of 1.9 ms read as 1, so "4 against 2 ms"',
      'could have been anything from 1.3x to 2.5x). Every server stays up through the rounds on the same core, so each',
      "p99, the bare route's too, includes waits behind the idle Tollgate servers' own timers.",
    ].join('\n'),
  );
}

await main();
