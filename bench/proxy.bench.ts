/**
 * Provider proxy benchmark (`npm run bench:proxy`): at 50 concurrent connections over loopback, a
 * Twilio Verify create relayed through Tollgate (`tollgate serve`: proxy.yaml lookup, the decision
 * path with breakers, velocity and risk scoring, the relay, the send event recorded) against the
 * same create sent directly to the same stand-in provider, alternating runs so machine noise hits
 * both alike. Servers in child processes pinned to one core, the load generator to the other
 * (the stand-in shares its core with Tollgate in the proxied runs, as it would on one machine).
 * Measured at each provider speed of BENCH_PROVIDER_MS: a stand-in answering at once (the proxy's
 * CPU laid bare) and one answering as slowly as a real provider. Two Tollgates of this tree: the
 * headline one in the layout the README recommends for a proxying node (BENCH_ROLES, default
 * `decide`: detection, alerting and the dashboard on another node), and one with every role, as
 * `npm start` runs. Each proxied run also reads what load moves least: Tollgate's event-loop delay
 * (its /metrics histogram, reset by the scrape before the run), its GC pauses (the same scrape's
 * gc histogram), the CPU of its event-loop thread apart from its other threads (the embedded
 * engine's, V8's), and how long the event-loop thread waited for its core (/proc schedstat).
 *
 * BENCH_BASELINE=DIR: the root of another checkout (an earlier commit from `git archive`, with a
 * node_modules that links this one's packages and its own workspace packages) whose Tollgate
 * relays to the same stand-in in the same rounds. BENCH_CPU_PROFILE=DIR: both Tollgates run under
 * `node --cpu-prof`, and the samples of their measured runs at the first provider speed are tabled
 * per relayed create (bench/cpu-profile-table.ts).
 *
 * Writes its section of bench/RESULTS.md. Targets: the proxy adds at most 2 ms at p99 and keeps at
 * least 60 % of the direct requests per second.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import {
  addVelocityApp,
  ADMIN_KEY,
  CONNECTIONS,
  DURATION_S,
  loadAverage,
  measureOtherWork,
  monotonicUs,
  pinLoadGenerator,
  processCpuMs,
  RUN_TS,
  start,
  stop,
  TOLLGATE,
  type Server,
} from './decide-harness.ts';
import { profiledArgs, profileTables, readMainThreadProfile, type SampleWindow } from './cpu-profile-table.ts';
import { median, writeResultsSection } from './results-file.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/**
 * How long the stand-in takes to answer, one measurement each: at once (every microsecond of a
 * request is then the proxy's own: its CPU picture) and 300 ms, about what a Verify or Messages
 * create takes from most places (a few hundred ms): the call a service actually makes.
 */
const PROVIDER_DELAYS_MS = (process.env.BENCH_PROVIDER_MS ?? '0,300').split(',').map(Number);
const BASELINE_TREE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE ? resolve(process.env.BENCH_CPU_PROFILE) : undefined;
/**
 * TOLLGATE_ROLES of the headline Tollgate and of BENCH_BASELINE's: the README's layout for a
 * proxying node, `decide` (the proxy's routes and its recording), with detection, alerting and the
 * dashboard on another node. The `all` path runs every role, as `npm start` does.
 */
const ROLES = process.env.BENCH_ROLES ?? 'decide';
const SERVICE = `VA${'0'.repeat(31)}1`;
const APP = 'proxybench';
const MAX_ADDED_P99_MS = 2;
const MIN_RPS_SHARE = 0.6;
// Past this share of the machine's busy CPU going to other work, the ratios are not judged.
const MAX_OTHER_WORK_SHARE = 0.1;
// prom-client samples the event loop every 10 ms: a delay is what its histogram reads beyond that tick.
const LOOP_TICK_MS = 10;
const STAND_IN = fileURLToPath(new URL('./provider-stand-in-server.ts', import.meta.url));
const RULES_DIR = fileURLToPath(new URL('../alert-rules/', import.meta.url));
const PATH = `/v2/Services/${SERVICE}/Verifications`;
// Basic auth as the Twilio SDK sends it: relayed by the proxy, ignored by the stand-in.
const AUTHORIZATION = `Basic ${Buffer.from(`AC${'0'.repeat(32)}:bench-auth-token`).toString('base64')}`;

/**
 * The shipped rules with the bench app's callers in proxy.yaml, and its per-phone and per-app
 * limits lifted: every request must be relayed, or refusals (cheaper, never relayed) would flatter the proxy.
 */
function benchRules(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-proxy-rules-'));
  cpSync(RULES_DIR, dir, { recursive: true });
  writeFileSync(join(dir, 'proxy.yaml'), `twilio:\n  services:\n    ${SERVICE}: {app: ${APP}, flow: signup, handles_challenges: true}\n`);
  addVelocityApp(dir, APP, ['phone: { max: 1000000 }', 'app: off']);
  return dir;
}

/** Bodies over many GB numbers, as a sign-up form would send them. */
const bodies = Array.from({ length: 50_000 }, (_, i) =>
  new URLSearchParams({ To: `+4474${String(10_000_000 + i * 37).slice(-8)}`, Channel: 'sms' }).toString(),
);

type PathName = 'direct' | 'proxied' | 'all' | 'baseline';

/** One way to the stand-in: the URL the load goes to, the processes it costs, the Tollgate on it (none when direct). */
interface Path {
  name: PathName;
  url: string;
  servers: Server[];
  tollgate: Server | undefined;
  /** The measured runs' windows on the profile's clock. */
  windows: SampleWindow[];
}

interface Run {
  rps: number;
  p99: number;
  errors: number;
  requests: number;
  /** CPU the servers of the path (stand-in, and Tollgate when proxied) spent per request: what machine load cannot inflate. */
  cpuUs: number | undefined;
  /** Tollgate's own CPU per request. */
  tollgateCpuUs: number | undefined;
  /** Tollgate's event-loop delay during the run, beyond the sampling tick: p99 and worst. */
  loopP99Ms: number | undefined;
  loopMaxMs: number | undefined;
  /** Tollgate's threads: the event loop's CPU per request, its wait for the core and GC pauses per second of the run. */
  threads: LoopThread | undefined;
  /** When the run went on, on the profile's clock. */
  window: SampleWindow;
}

/** What the event-loop thread of a Tollgate did over a run, apart from the process's other threads. */
interface LoopThread {
  loopCpuUs: number;
  loopWaitMsPerS: number;
  gcMsPerS: number;
}

const cpuOf = (servers: Server[]) => {
  const each = servers.map((s) => processCpuMs(s.child));
  return each.some((ms) => ms === undefined) ? undefined : each.reduce<number>((sum, ms) => sum + ms!, 0);
};

interface Scrape {
  /** Event-loop delay since the last scrape (prom-client resets its histogram on each), beyond the sampling tick. */
  p99Ms: number | undefined;
  maxMs: number | undefined;
  /** GC pauses since the process started, every kind (the histogram's sum). */
  gcMs: number;
}

/** Tollgate's event-loop delay histogram and GC pause total as prom-client reports them. */
async function scrape(tollgate: Server): Promise<Scrape> {
  const response = await fetch(`${tollgate.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const text = await response.text();
  const read = (name: string) => {
    const match = new RegExp(`^tollgate_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text);
    return match === null ? undefined : Math.max(0, Number(match[1]) * 1_000 - LOOP_TICK_MS);
  };
  const gcMs = [...text.matchAll(/^tollgate_nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]) * 1_000,
    0,
  );
  return { p99Ms: read('p99'), maxMs: read('max'), gcMs };
}

/** CPU (ms) and time waiting for a core (ms) of a process's main thread, its event loop, when /proc tells them. */
function loopThreadMs(child: ChildProcess): { cpuMs: number; waitMs: number } | undefined {
  try {
    // schedstat: time on the CPU, time runnable but waiting for it (ns), timeslices.
    const [cpuNs, waitNs] = readFileSync(`/proc/${child.pid}/task/${child.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { cpuMs: cpuNs! / 1e6, waitMs: waitNs! / 1e6 };
  } catch {
    return undefined;
  }
}

async function load(path: Path): Promise<Run> {
  let i = 0;
  const scrapeBefore = path.tollgate === undefined ? undefined : await scrape(path.tollgate);
  const loopBefore = path.tollgate === undefined ? undefined : loopThreadMs(path.tollgate.child);
  const cpuBefore = cpuOf(path.servers);
  const tollgateBefore = path.tollgate === undefined ? undefined : cpuOf([path.tollgate]);
  const fromUs = monotonicUs();
  const result = await autocannon({
    url: path.url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: AUTHORIZATION, 'content-type': 'application/x-www-form-urlencoded' },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  });
  const toUs = monotonicUs();
  const perRequest = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined || result.requests.total === 0
      ? undefined
      : ((after - before) * 1_000) / result.requests.total;
  const cpuUs = perRequest(cpuBefore, cpuOf(path.servers));
  const tollgateCpuUs = path.tollgate === undefined ? undefined : perRequest(tollgateBefore, cpuOf([path.tollgate]));
  const loopAfter = path.tollgate === undefined ? undefined : loopThreadMs(path.tollgate.child);
  const loop = path.tollgate === undefined ? undefined : await scrape(path.tollgate);
  const seconds = (toUs - fromUs) / 1e6;
  const threads =
    loopBefore === undefined || loopAfter === undefined || loop === undefined || scrapeBefore === undefined
      ? undefined
      : {
          loopCpuUs: perRequest(loopBefore.cpuMs, loopAfter.cpuMs) ?? 0,
          loopWaitMsPerS: (loopAfter.waitMs - loopBefore.waitMs) / seconds,
          gcMsPerS: (loop.gcMs - scrapeBefore.gcMs) / seconds,
        };
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    requests: result.requests.total,
    cpuUs,
    tollgateCpuUs,
    loopP99Ms: loop?.p99Ms,
    loopMaxMs: loop?.maxMs,
    threads,
    window: { fromUs, toUs },
  };
}

interface Summary {
  rps: number;
  p99: number;
  cpuUs: number | undefined;
  tollgateCpuUs: number | undefined;
  loopP99Ms: number | undefined;
  loopMaxMs: number | undefined;
  loopCpuUs: number | undefined;
  loopWaitMsPerS: number | undefined;
  gcMsPerS: number | undefined;
  /** Requests answered in the measured runs, to divide the profile by. */
  requests: number;
}

interface Figures {
  delayMs: number;
  paths: Partial<Record<PathName, Summary>>;
  errors: number;
  otherShare: number | undefined;
  /** Profile tables per Tollgate (this tree, the baseline), when profiled. */
  profiles: Partial<Record<PathName, string>>;
}

function summarize(runs: Run[]): Summary {
  const med = (pick: (run: Run) => number | undefined) => {
    const values = runs.map(pick);
    return values.some((v) => v === undefined) ? undefined : median(values as number[]);
  };
  return {
    rps: median(runs.map((r) => r.rps)),
    p99: median(runs.map((r) => r.p99)),
    cpuUs: med((r) => r.cpuUs),
    tollgateCpuUs: med((r) => r.tollgateCpuUs),
    loopP99Ms: med((r) => r.loopP99Ms),
    loopMaxMs: med((r) => r.loopMaxMs),
    loopCpuUs: med((r) => r.threads?.loopCpuUs),
    loopWaitMsPerS: med((r) => r.threads?.loopWaitMsPerS),
    gcMsPerS: med((r) => r.threads?.gcMsPerS),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
  };
}

/** A Tollgate relaying to `provider` (`entry`: this tree's or the baseline's) with `roles` (undefined: every role), profiled when asked. */
function startTollgate(
  entry: string,
  roles: string | undefined,
  profileName: string | undefined,
  dataDir: string,
  rules: string,
  provider: Server,
  pinned: boolean,
) {
  return start(
    profiledArgs(profileName === undefined ? undefined : PROFILE_DIR, profileName ?? '', [entry, 'serve']),
    {
      TOLLGATE_DATA_DIR: dataDir,
      TOLLGATE_ADMIN_KEY: ADMIN_KEY,
      TOLLGATE_RULES_DIR: rules,
      TOLLGATE_EGRESS_ALLOW: '127.0.0.1',
      TOLLGATE_UPSTREAM_TWILIO_VERIFY: provider.url,
      ...(roles !== undefined && { TOLLGATE_ROLES: roles }),
    },
    pinned,
  );
}

/** One provider speed: a stand-in answering after `delayMs`, the Tollgates relaying to it, alternating runs. */
async function measure(delayMs: number, pinned: boolean, rules: string, profile: boolean): Promise<Figures> {
  const dataDirs: string[] = [];
  const servers: Server[] = [];
  const paths: Path[] = [];
  try {
    const provider = await start([RUN_TS, STAND_IN], { STAND_IN_DELAY_MS: String(delayMs) }, pinned);
    servers.push(provider);
    paths.push({ name: 'direct', url: `${provider.url}${PATH}`, servers: [provider], tollgate: undefined, windows: [] });
    const trees: [PathName, string, string | undefined][] = [
      ['proxied', TOLLGATE, ROLES],
      ['all', TOLLGATE, undefined],
      ...(BASELINE_TREE === undefined
        ? []
        : [['baseline', join(BASELINE_TREE, 'apps/cli/bin/tollgate.js'), ROLES] as [PathName, string, string]]),
    ];
    for (const [name, entry, roles] of trees) {
      const dataDir = mkdtempSync(join(tmpdir(), `tollgate-bench-proxy-${name}-`));
      dataDirs.push(dataDir);
      const tollgate = await startTollgate(entry, roles, profile ? name : undefined, dataDir, rules, provider, pinned);
      servers.push(tollgate);
      paths.push({ name, url: `${tollgate.url}/twilio/verify${PATH}`, servers: [provider, tollgate], tollgate, windows: [] });
    }
    // Warm-up: JIT, connection pools, the first inserts.
    for (const path of paths) await load(path);
    const otherWork = measureOtherWork(servers.map((s) => s.child));
    const runs = new Map<PathName, Run[]>(paths.map((p) => [p.name, []]));
    for (let r = 0; r < RUNS; r++) {
      for (const path of paths) {
        const run = await load(path);
        runs.get(path.name)!.push(run);
        path.windows.push(run.window);
      }
    }
    const otherShare = otherWork();
    const summaries = Object.fromEntries([...runs].map(([name, each]) => [name, summarize(each)])) as Figures['paths'];
    for (const server of servers.splice(0).reverse()) await stop(server.child);
    const profiles: Figures['profiles'] = {};
    if (profile) {
      for (const path of paths.filter((p) => p.tollgate !== undefined)) {
        profiles[path.name] = profileTables(readMainThreadProfile(PROFILE_DIR!, path.name), {
          units: summaries[path.name]!.requests,
          unitName: 'relayed create',
          windows: path.windows,
        });
      }
    }
    const errors = [...runs.values()].flat().reduce((sum, x) => sum + x.errors, 0);
    return { delayMs, paths: summaries, errors, otherShare, profiles };
  } finally {
    for (const server of servers.reverse()) await stop(server.child);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
}

const LABELS: Record<PathName, string> = {
  direct: 'direct to the stand-in',
  proxied: `through Tollgate's proxy (decided, relayed, recorded), roles ${ROLES}`,
  all: "through Tollgate's proxy, every role on the node",
  baseline: `through the proxy of BENCH_BASELINE, roles ${ROLES}`,
};

function tableRows(f: Figures): string[] {
  const num = (value: number | undefined, digits = 0) => (value === undefined ? '-' : value.toFixed(digits));
  return (Object.keys(LABELS) as PathName[])
    .filter((name) => f.paths[name] !== undefined)
    .map((name) => {
      const s = f.paths[name]!;
      const loop = name === 'direct' ? '-' : `${num(s.loopP99Ms, 1)} / ${num(s.loopMaxMs, 1)}`;
      return (
        `| ${f.delayMs} ms | ${LABELS[name]} | ${num(s.rps)} | ${num(s.p99, 1)} | ${num(s.cpuUs)} | ${num(s.tollgateCpuUs)} | ` +
        `${num(s.loopCpuUs)} | ${loop} | ${num(s.gcMsPerS, 1)} | ${num(s.loopWaitMsPerS, 1)} |`
      );
    });
}

const signedMs = (ms: number) => `${ms >= 0 ? '+' : ''}${ms.toFixed(1)} ms`;

/** The headline layout judged against both targets, every role on the node beside it. */
function verdict(f: Figures): string {
  const direct = f.paths.direct!;
  const proxied = f.paths.proxied!;
  const share = proxied.rps / direct.rps;
  const addedP99 = proxied.p99 - direct.p99;
  const all = f.paths.all;
  const allRoles =
    all === undefined
      ? ''
      : ` Every role on the node (as \`npm start\` runs): ${((all.rps / direct.rps) * 100).toFixed(0)} % of the direct requests/s, ${signedMs(all.p99 - direct.p99)} at p99.`;
  const judged = f.otherShare === undefined || f.otherShare <= MAX_OTHER_WORK_SHARE;
  const says = (ok: boolean) => (!judged ? 'not judged: other work on the machine' : ok ? 'met' : 'MISSED');
  const other = f.otherShare === undefined ? 'an unknown share' : `${(f.otherShare * 100).toFixed(0)} %`;
  return (
    `Provider answering after ${f.delayMs} ms, roles ${ROLES}: the proxy keeps ${(share * 100).toFixed(0)} % of the direct requests/s (target >= ${MIN_RPS_SHARE * 100} %: ${says(share >= MIN_RPS_SHARE)}) ` +
    `and adds ${signedMs(addedP99)} at p99 (target <= ${MAX_ADDED_P99_MS} ms: ${says(addedP99 <= MAX_ADDED_P99_MS)}); ` +
    `errors and non-2xx answers: ${f.errors}; other work took ${other} of the machine's busy CPU.${allRoles}`
  );
}

function profileSection(f: Figures, commit: string): string[] {
  const lines: string[] = [];
  for (const name of ['proxied', 'all', 'baseline'] as const) {
    const tables = f.profiles[name];
    if (tables === undefined) continue;
    const whose =
      name === 'baseline'
        ? `BENCH_BASELINE (${BASELINE_TREE})`
        : `this tree (${commit}), ${name === 'all' ? 'every role' : `roles ${ROLES}`}`;
    lines.push('', `Tollgate of ${whose}, provider answering after ${f.delayMs} ms, samples of its measured runs:`, '', tables);
  }
  return lines;
}

function report(results: Figures[], pinned: boolean, loadBefore: string): string {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const command = `${process.env.BENCH_ROLES === undefined ? '' : `BENCH_ROLES=${ROLES} `}${BASELINE_TREE ? 'BENCH_BASELINE=DIR ' : ''}${PROFILE_DIR ? 'BENCH_CPU_PROFILE=bench/.profiles ' : ''}npm run bench:proxy`;
  const lines = [
    `Command: \`${command}\` at ${commit} (${RUNS} alternating runs of ${DURATION_S} s each per provider speed and path, ${CONNECTIONS} connections, medians; ` +
      `${pinned ? 'load generator on one core, stand-in and Tollgate on the other' : 'not pinned'}). Load average ${loadBefore} before, ${loadAverage()} after.`,
    '',
    '| provider answers after | path | req/s | p99 ms | CPU µs per request, stand-in and Tollgate | Tollgate alone | its event loop | event-loop delay p99 / max ms | GC pauses ms/s | event loop waited for its core ms/s |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.flatMap(tableRows),
    '',
    ...results.flatMap((f) => [verdict(f), '']),
    "A stand-in answering at once makes every request's time the proxy's own: two HTTP exchanges, the decision and the recording against one " +
      "bare answer, so its ratio is the proxy's CPU cost against a server that does nothing. A provider that takes as long as a real one " +
      '(Verify and Messages creates take a few hundred ms from most places) is what a service sees. The event-loop delay is what ' +
      "Tollgate's /metrics histogram read over each run, beyond its 10 ms sampling tick (a stall of the loop shows here before it shows at p99). " +
      "The event loop's CPU is its thread's alone (Tollgate alone less it: the embedded engine's inserts and merges, V8's helpers); " +
      "GC pauses are the loop's own, from the same scrape; the wait for its core is the time the loop was ready to run while another thread, " +
      "Tollgate's, the stand-in's or the machine's other work, held the core (/proc schedstat). These three move least with machine load.",
  ];
  const profiled = results.find((f) => Object.keys(f.profiles).length > 0);
  if (profiled !== undefined) {
    lines.push(
      '',
      `### CPU profile per relayed create (BENCH_CPU_PROFILE: \`node --cpu-prof\`, main thread, self time; tables by bench/cpu-profile-table.ts)`,
      ...profileSection(profiled, commit),
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const pinned = pinLoadGenerator();
  const loadBefore = loadAverage();
  const rules = benchRules();
  const results: Figures[] = [];
  try {
    for (const [i, delayMs] of PROVIDER_DELAYS_MS.entries())
      results.push(await measure(delayMs, pinned, rules, PROFILE_DIR !== undefined && i === 0));
  } finally {
    rmSync(rules, { recursive: true, force: true });
  }
  const text = report(results, pinned, loadBefore);
  writeResultsSection('Provider proxy (bench:proxy)', text);
  console.log(text);
}

await main();
