/**
 * Decision benchmark (`npm run bench:decide`): at 50 concurrent connections over loopback,
 * `POST /v1/decide` on the real server (1,000 breakers loaded, velocity rules on, risk scoring on)
 * and on a second one with risk scoring off (the shipped policy with `risk: mode: off`) against a
 * bare fastify route answering a constant in the same kind of process, alternating runs so machine
 * noise hits all alike; then the SDK's in-process cached decision. The bare route runs twice: with
 * the fastify options of the real server (the baseline of the targets: same logger, same per-request
 * work outside the route) and with fastify's defaults (the baseline of the earlier figures).
 * The traffic is nearly all answered `allow` (`allowBodies`: an app without the app-wide ceiling,
 * distinct phones, subnets and sessions), and the decision mix is reported from the server's counts.
 * Writes its section of bench/RESULTS.md. Targets: >= 60 % of the bare route's requests/s with
 * p99 <= 2x the bare route's, in the same run; >= 1,000,000 cached decisions/s.
 * BENCH_CPU_PROFILE=DIR also profiles the scoring-on server and the bare route (`node --cpu-prof`)
 * and writes the top costs per request of their measured runs to RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBreakerCache } from '@tollgate/client';
import { profileTables, type CpuProfile, type SampleWindow } from './cpu-profile-table.ts';
import {
  ADMIN_KEY,
  allowBodies,
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
  TOLLGATE,
  type LoadResult,
} from './decide-harness.ts';
import { median, writeResultsSection } from './results-file.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BREAKERS = 1_000;
// Other work on the machine starves all servers alike and pulls every ratio towards 100 %: past
// this share of the machine's busy CPU during the runs, the verdict says the rates are noisy.
const MAX_OTHER_WORK_SHARE = 0.1;
// The server flushes its decision counts every 5 s; the mix waits for them this long at most.
const MIX_DEADLINE_MS = 30_000;
const MIX_POLL_MS = 500;

const RULES_DIR = fileURLToPath(new URL('../alert-rules/', import.meta.url));

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

async function tripBreakers(url: string): Promise<void> {
  for (let b = 0; b < BREAKERS; b++) {
    // Prefixes of other countries and ASNs: breakers the index must skip, as most are for any one request.
    const scope = b % 2 === 0 ? { prefix: `+998 ${String(100 + (b % 900)).padStart(3, '0')}` } : { asn: 100_000 + b };
    const res = await fetch(`${url}/v1/breakers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope, action: b % 3 === 0 ? 'challenge' : 'block', note: 'bench' }),
    });
    if (res.status !== 201) throw new Error(`trip answered ${res.status}: ${await res.text()}`);
  }
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

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-'));
  const offDataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-off-'));
  const onRules = rulesDir(true);
  const offRules = rulesDir(false);
  const pinned = pinLoadGenerator();
  const loadBefore = loadAverage();
  console.error(`load average before: ${loadBefore}`);
  const server = await start(
    profiled('decide', [TOLLGATE, 'serve']),
    { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_RULES_DIR: onRules },
    pinned,
  );
  const scoringOff = await start(
    [TOLLGATE, 'serve'],
    { TOLLGATE_DATA_DIR: offDataDir, TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_RULES_DIR: offRules },
    pinned,
  );
  const baselineDataDir = BASELINE_TREE === undefined ? undefined : mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-baseline-'));
  const baseline =
    BASELINE_TREE === undefined
      ? undefined
      : await start(
          profiled('baseline', [join(BASELINE_TREE, 'apps/cli/bin/tollgate.js'), 'serve']),
          { TOLLGATE_DATA_DIR: baselineDataDir!, TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_RULES_DIR: onRules },
          pinned,
        );
  const bare = await start(profiled('bare', [RUN_TS, BARE_SERVER]), { BARE_FASTIFY: 'server' }, pinned);
  const bareDefaults = await start([RUN_TS, BARE_SERVER], { BARE_FASTIFY: 'defaults' }, pinned);
  const bodies = allowBodies();
  const runs = {
    decide: [] as LoadResult[],
    scoringOff: [] as LoadResult[],
    bare: [] as LoadResult[],
    bareDefaults: [] as LoadResult[],
    baseline: [] as LoadResult[],
  };
  const windows = { decide: [] as SampleWindow[], bare: [] as SampleWindow[], baseline: [] as SampleWindow[] };
  let mix: { text: string; allowedShare: number };
  let otherWorkShare: number | undefined;
  let loadAfter: string;
  try {
    console.error(`tripping ${BREAKERS} breakers...`);
    await tripBreakers(server.url);
    await tripBreakers(scoringOff.url);
    if (baseline) await tripBreakers(baseline.url);
    // Warm-up: JIT and the number-block cache. Every request counts against its phone's hourly
    // limit, so the warm-up is short and the bodies many.
    const warmUp = await load(server, bodies, 2, { sessionPerRequest: true });
    await load(scoringOff, bodies, 2, { sessionPerRequest: true });
    if (baseline) await load(baseline, bodies, 2, { sessionPerRequest: true });
    await load(bare, bodies, 2, { sessionPerRequest: true });
    await load(bareDefaults, bodies, 2, { sessionPerRequest: true });
    const targets = [
      { name: 'bare', server: bare, runs: runs.bare, windows: windows.bare },
      { name: 'bare defaults', server: bareDefaults, runs: runs.bareDefaults, windows: undefined },
      { name: 'decide', server, runs: runs.decide, windows: windows.decide },
      { name: 'decide, scoring off', server: scoringOff, runs: runs.scoringOff, windows: undefined },
      ...(baseline ? [{ name: 'decide at the baseline tree', server: baseline, runs: runs.baseline, windows: windows.baseline }] : []),
    ];
    const otherWork = measureOtherWork([
      server.child,
      scoringOff.child,
      bare.child,
      bareDefaults.child,
      ...(baseline ? [baseline.child] : []),
    ]);
    for (let run = 0; run < RUNS; run++) {
      // Each round starts with the next server: whichever runs right after /v1/decide meets its
      // after-effects (the counts flush, a collection), and that must not always be the same one.
      const order = [...targets.slice(run % targets.length), ...targets.slice(0, run % targets.length)];
      const line: string[] = [];
      for (const target of order) {
        const fromUs = monotonicUs();
        const result = await load(target.server, bodies, DURATION_S, { sessionPerRequest: true });
        target.windows?.push({ fromUs, toUs: monotonicUs() });
        if (result.errors > 0) throw new Error(`${target.name} answered ${result.errors} errors`);
        target.runs.push(result);
        line.push(
          `${target.name} ${Math.round(result.rps)} req/s p99 ${result.p99} ms cpu ${result.serverCpuUs?.toFixed(1) ?? '?'} us/req`,
        );
      }
      console.error(`run ${run + 1}/${RUNS}: ${line.join('; ')}`);
    }
    otherWorkShare = otherWork();
    loadAfter = loadAverage();
    console.error(`load average after: ${loadAfter}`);
    mix = await decisionMix(server.url, warmUp.requests + runs.decide.reduce((total, r) => total + r.requests, 0));
  } finally {
    await stop(server.child);
    await stop(scoringOff.child);
    await stop(bare.child);
    await stop(bareDefaults.child);
    if (baseline) await stop(baseline.child);
    if (baselineDataDir) rmSync(baselineDataDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(offDataDir, { recursive: true, force: true });
    rmSync(onRules, { recursive: true, force: true });
    rmSync(offRules, { recursive: true, force: true });
  }
  if (PROFILE_DIR !== undefined) {
    const requests = (list: LoadResult[]) => list.reduce((total, r) => total + r.requests, 0);
    const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
    const decideTables = profileSection('decide', requests(runs.decide), windows.decide);
    const bareTables = profileSection('bare', requests(runs.bare), windows.bare);
    const baselineTables = runs.baseline.length > 0 ? profileSection('baseline', requests(runs.baseline), windows.baseline) : undefined;
    console.log(`${decideTables}\n\n${bareTables}${baselineTables ? `\n\n${baselineTables}` : ''}`);
    writeResultsSection(
      `decide: CPU profile at ${commit}`,
      [
        `Command: \`BENCH_CPU_PROFILE=bench/.profiles npm run bench:decide\` (the runs above; the scoring-on server and the bare route with server options under \`node --cpu-prof\`, the samples of their ${RUNS} measured runs only, divided by the requests those runs answered; tables by bench/cpu-profile-table.ts). Commit ${commit}, load average ${loadBefore} before and ${loadAfter} after.`,
        '',
        `POST /v1/decide, risk scoring on (${fmtCount(requests(runs.decide))} requests):`,
        '',
        decideTables,
        '',
        `Bare route, server options (${fmtCount(requests(runs.bare))} requests):`,
        '',
        bareTables,
        ...(baselineTables
          ? [
              '',
              `POST /v1/decide of the baseline tree (BENCH_BASELINE), risk scoring on, profiled alike (${fmtCount(requests(runs.baseline))} requests):`,
              '',
              baselineTables,
            ]
          : []),
      ].join('\n'),
    );
  }
  const cached = cachedDecisionsPerSecond();
  const med = (list: LoadResult[], pick: (r: LoadResult) => number | undefined) => {
    const values = list.map(pick).filter((v): v is number => v !== undefined);
    return values.length === list.length ? median(values) : undefined;
  };
  const rps = {
    decide: med(runs.decide, (r) => r.rps)!,
    scoringOff: med(runs.scoringOff, (r) => r.rps)!,
    bare: med(runs.bare, (r) => r.rps)!,
    bareDefaults: med(runs.bareDefaults, (r) => r.rps)!,
  };
  const p99 = {
    decide: med(runs.decide, (r) => r.p99)!,
    scoringOff: med(runs.scoringOff, (r) => r.p99)!,
    bare: med(runs.bare, (r) => r.p99)!,
    bareDefaults: med(runs.bareDefaults, (r) => r.p99)!,
  };
  const cpu = {
    decide: med(runs.decide, (r) => r.serverCpuUs),
    scoringOff: med(runs.scoringOff, (r) => r.serverCpuUs),
    bare: med(runs.bare, (r) => r.serverCpuUs),
    bareDefaults: med(runs.bareDefaults, (r) => r.serverCpuUs),
  };
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const us = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(1));
  const all = (list: LoadResult[], pick: (r: LoadResult) => number) => list.map((r) => fmt(pick(r))).join(', ');
  const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`;
  const times = (a: number, b: number) => `${(a / Math.max(b, 1)).toFixed(2)}x`;
  const table = [
    '| measure | /v1/decide, risk scoring on (1,000 breakers, velocity on) | /v1/decide, risk scoring off | bare route, server options | on / bare | off / bare | bare route, fastify defaults | on / bare defaults |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    `| requests/s (median of ${RUNS}) | ${fmt(rps.decide)} | ${fmt(rps.scoringOff)} | ${fmt(rps.bare)} | ${pct(rps.decide, rps.bare)} | ${pct(rps.scoringOff, rps.bare)} | ${fmt(rps.bareDefaults)} | ${pct(rps.decide, rps.bareDefaults)} |`,
    `| requests/s, each run | ${all(runs.decide, (r) => r.rps)} | ${all(runs.scoringOff, (r) => r.rps)} | ${all(runs.bare, (r) => r.rps)} | | | ${all(runs.bareDefaults, (r) => r.rps)} | |`,
    `| p99 latency ms (median of ${RUNS}) | ${p99.decide} | ${p99.scoringOff} | ${p99.bare} | ${times(p99.decide, p99.bare)} | ${times(p99.scoringOff, p99.bare)} | ${p99.bareDefaults} | ${times(p99.decide, p99.bareDefaults)} |`,
    `| server CPU per request, us (median of ${RUNS}) | ${us(cpu.decide)} | ${us(cpu.scoringOff)} | ${us(cpu.bare)} | | | ${us(cpu.bareDefaults)} | |`,
    `| SDK cached decisions/s (1,000 breakers, median of 5) | ${fmt(cached)} | | | | | | |`,
  ].join('\n');
  const scoringCost =
    cpu.decide === undefined || cpu.scoringOff === undefined
      ? 'unknown (no /proc)'
      : `${(cpu.decide - cpu.scoringOff).toFixed(1)} us of server CPU per request (${us(cpu.decide)} on, ${us(cpu.scoringOff)} off)`;
  const allowedShare = mix.allowedShare;
  const busy = otherWorkShare === undefined || otherWorkShare > MAX_OTHER_WORK_SHARE;
  const judge = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const otherWorkText = otherWorkShare === undefined ? 'unknown (no /proc)' : `${(otherWorkShare * 100).toFixed(0)} %`;
  // With the server's core saturated, the rate ratio is the inverse of the CPU ratio; when other work starves every
  // server alike the rates converge, so the CPU ratio says what the rate ratio would be on a quiet machine.
  const cpuShare = cpu.decide === undefined || cpu.bare === undefined ? undefined : cpu.bare / cpu.decide;
  const verdict =
    `Targets (risk scoring on, against the bare route with the server's options, same run): >= 60 % of bare requests/s: ${judge(rps.decide / rps.bare >= 0.6)}` +
    (cpuShare === undefined
      ? '; '
      : ` (by server CPU per request, bare / decide = ${(cpuShare * 100).toFixed(0)} %: ${judge(cpuShare >= 0.6)}); `) +
    `p99 <= 2x bare: ${judge(p99.decide <= 2 * Math.max(p99.bare, 1))}; ` +
    `most answers allow: ${judge(allowedShare > 0.5)}; ` +
    `>= 1,000,000 cached decisions/s: ${cached >= 1_000_000 ? 'met' : 'NOT met'}.` +
    (busy
      ? ` Other work took ${otherWorkText} of the machine's CPU during the runs (more than ${MAX_OTHER_WORK_SHARE * 100} %): the ratios are noisier than on a quiet machine.`
      : '');
  const baselineLine =
    runs.baseline.length === 0
      ? ''
      : `Same rounds, the decide server of BENCH_BASELINE (${BASELINE_TREE}), risk scoring on: ${fmt(med(runs.baseline, (r) => r.rps)!)} requests/s (each run ${all(runs.baseline, (r) => r.rps)}; this tree ${fmt(rps.decide)}), ` +
        `p99 ${med(runs.baseline, (r) => r.p99)} ms (this tree ${p99.decide}), server CPU per request ${us(med(runs.baseline, (r) => r.serverCpuUs))} us (each run ${runs.baseline.map((r) => us(r.serverCpuUs)).join(', ')}; this tree ${us(cpu.decide)}, each run ${runs.decide.map((r) => us(r.serverCpuUs)).join(', ')}).`;
  console.log(
    `${table}\n${verdict}\n${baselineLine}\nWhat risk scoring costs: ${scoringCost}.\nDecisions during the warm-up and the runs: ${mix.text}.`,
  );
  writeResultsSection(
    'decide',
    [
      `Command: \`npm run bench:decide\` (autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run, ${RUNS} rounds of alternating runs, each round starting with the next server; the ${BASELINE_TREE === undefined ? 'four' : 'five'} servers in child processes on loopback${PROFILE_DIR === undefined ? '' : ' (the scoring-on server, the bare route with server options and the baseline under `node --cpu-prof`)'}, the load generator in the parent; ${pinned ? 'servers pinned to one core, the load generator to the other' : 'not pinned to cores (no taskset)'}; ${fmtCount(bodies.length)} distinct phones, /24 subnets and devices with a browser's user agent, time zone and platform, sent round and round, a new session per request, for an app without the app-wide ceiling; \`BENCH_SECONDS\`, \`BENCH_RUNS\` change the length).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, ${cpus().length} cores shared by the load generator and the server; other work took ${otherWorkText} of the machine's CPU during the runs; load average (1, 5, 15 min) ${loadBefore} before the servers started, ${loadAfter} after the runs.`,
      '',
      table,
      '',
      verdict,
      '',
      ...(baselineLine ? [baselineLine, ''] : []),
      `What risk scoring costs: ${scoringCost}.`,
      '',
      `Decisions of the scoring-on server during the warm-up and the runs, from its decision counts: ${mix.text}.`,
      '',
      'Reading: the ratios of one run are the figures that hold on a shared machine (the rates move with whatever else runs);',
      'the server CPU row moves least. With one core for the load generator and one for the server, the rate of /v1/decide',
      'follows its CPU per request. Where that CPU goes: `decide: CPU profile` (BENCH_CPU_PROFILE).',
      'The scoring-off server is the same server with `risk: mode: off` in its policy file. The difference of the two CPU rows',
      "is what scoring costs a request under this load, the score's serialization in the answer included; the warm-loop cost",
      'of the scoring itself is in `decide: what risk scoring costs`.',
    ].join('\n'),
  );
}

await main();
