/**
 * Decision benchmark (`npm run bench:decide`): at 50 concurrent connections over loopback,
 * `POST /v1/decide` on the real server (1,000 breakers loaded, velocity rules on, risk scoring on)
 * and on a second one with risk scoring off (the shipped policy with `risk: mode: off`) against a
 * bare fastify route answering a constant in the same kind of process, alternating runs so machine
 * noise hits all alike; then the SDK's in-process cached decision. The bare route runs twice: with
 * the fastify options of the real server (the baseline of the targets: same logger, same per-request
 * work outside the route) and with fastify's defaults (the baseline of the earlier figures).
 * Writes its section of bench/RESULTS.md. Targets: >= 80 % of the bare route's
 * requests/s, p99 <= 2x the bare route's, >= 1,000,000 cached decisions/s.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBreakerCache } from '@tollgate/client';
import {
  ADMIN_KEY,
  BARE_SERVER,
  CONNECTIONS,
  DURATION_S,
  load,
  measureOtherWork,
  pinLoadGenerator,
  requestBodies,
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
// this share of the machine's busy CPU during the runs, the rate and latency targets are not judged.
const MAX_OTHER_WORK_SHARE = 0.1;
// The server flushes its decision counts every 5 s; the mix waits for them this long at most.
const MIX_DEADLINE_MS = 30_000;
const MIX_POLL_MS = 500;

const RULES_DIR = fileURLToPath(new URL('../alert-rules/', import.meta.url));

/** The shipped rules with risk scoring turned off, for the server that measures decide without it. */
function rulesWithoutScoring(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-rules-'));
  cpSync(RULES_DIR, dir, { recursive: true });
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
  const requests = Array.from({ length: 1_000 }, (_, i) => ({ app: 'shop', flow: 'login', country: 'GB', prefix: `+44 ${700 + (i % 99)}`, asn: 2856 + (i % 7) }));
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
async function decisionMix(url: string, requests: number): Promise<string> {
  const deadline = Date.now() + MIX_DEADLINE_MS;
  for (;;) {
    const res = await fetch(`${url}/v1/metrics/decisions?interval=1h`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const { points } = (await res.json()) as { points: { allowed: number; challenged: number; blocked: number }[] };
    const sum = (pick: (p: (typeof points)[number]) => number) => points.reduce((total, p) => total + pick(p), 0);
    const counted = { allowed: sum((p) => p.allowed), challenged: sum((p) => p.challenged), blocked: sum((p) => p.blocked) };
    const total = counted.allowed + counted.challenged + counted.blocked;
    if (total >= requests || Date.now() > deadline) {
      const share = (n: number) => `${((n / Math.max(total, 1)) * 100).toFixed(1)} %`;
      return `${share(counted.allowed)} allowed, ${share(counted.challenged)} challenged, ${share(counted.blocked)} blocked (of ${total.toLocaleString('en-US')} counted)`;
    }
    await new Promise((resolve) => setTimeout(resolve, MIX_POLL_MS));
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-'));
  const offDataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-decide-off-'));
  const offRules = rulesWithoutScoring();
  const pinned = pinLoadGenerator();
  const server = await start([TOLLGATE, 'serve'], { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_RULES_DIR: RULES_DIR }, pinned);
  const scoringOff = await start([TOLLGATE, 'serve'], { TOLLGATE_DATA_DIR: offDataDir, TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_RULES_DIR: offRules }, pinned);
  const bare = await start([RUN_TS, BARE_SERVER], { BARE_FASTIFY: 'server' }, pinned);
  const bareDefaults = await start([RUN_TS, BARE_SERVER], { BARE_FASTIFY: 'defaults' }, pinned);
  const bodies = requestBodies();
  const runs = { decide: [] as LoadResult[], scoringOff: [] as LoadResult[], bare: [] as LoadResult[], bareDefaults: [] as LoadResult[] };
  let mix: string;
  let otherWorkShare: number | undefined;
  try {
    console.error(`tripping ${BREAKERS} breakers...`);
    await tripBreakers(server.url);
    await tripBreakers(scoringOff.url);
    const warmUp = await load(server, bodies.slice(0, 1000)); // warm-up: JIT and the number-block cache
    await load(scoringOff, bodies.slice(0, 1000));
    await load(bare, bodies, 2);
    await load(bareDefaults, bodies, 2);
    const targets = [
      { name: 'bare', server: bare, runs: runs.bare },
      { name: 'bare defaults', server: bareDefaults, runs: runs.bareDefaults },
      { name: 'decide', server, runs: runs.decide },
      { name: 'decide, scoring off', server: scoringOff, runs: runs.scoringOff },
    ];
    const otherWork = measureOtherWork([server.child, scoringOff.child, bare.child, bareDefaults.child]);
    for (let run = 0; run < RUNS; run++) {
      // Each round starts with the next server: whichever runs right after /v1/decide meets its
      // after-effects (the counts flush, a collection), and that must not always be the same one.
      const order = [...targets.slice(run % targets.length), ...targets.slice(0, run % targets.length)];
      const line: string[] = [];
      for (const target of order) {
        const result = await load(target.server, bodies);
        if (result.errors > 0) throw new Error(`${target.name} answered ${result.errors} errors`);
        target.runs.push(result);
        line.push(`${target.name} ${Math.round(result.rps)} req/s p99 ${result.p99} ms cpu ${result.serverCpuUs?.toFixed(1) ?? '?'} us/req`);
      }
      console.error(`run ${run + 1}/${RUNS}: ${line.join('; ')}`);
    }
    otherWorkShare = otherWork();
    mix = await decisionMix(server.url, warmUp.requests + runs.decide.reduce((total, r) => total + r.requests, 0));
  } finally {
    await stop(server.child);
    await stop(scoringOff.child);
    await stop(bare.child);
    await stop(bareDefaults.child);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(offDataDir, { recursive: true, force: true });
    rmSync(offRules, { recursive: true, force: true });
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
  const busy = otherWorkShare === undefined || otherWorkShare > MAX_OTHER_WORK_SHARE;
  const judge = (ok: boolean) => (busy ? 'not judged' : ok ? 'met' : 'NOT met');
  const otherWorkText = otherWorkShare === undefined ? 'unknown (no /proc)' : `${(otherWorkShare * 100).toFixed(0)} %`;
  const verdict =
    `Targets (risk scoring on, against the bare route with the server's options): >= 80 % of bare requests/s: ${judge(rps.decide / rps.bare >= 0.8)}; ` +
    `p99 <= 2x bare: ${judge(p99.decide <= 2 * Math.max(p99.bare, 1))}; ` +
    `>= 1,000,000 cached decisions/s: ${cached >= 1_000_000 ? 'met' : 'NOT met'}.` +
    (busy ? ` Other work took ${otherWorkText} of the machine's CPU during the runs (more than ${MAX_OTHER_WORK_SHARE * 100} %): the rates say little.` : '');
  console.log(`${table}\n${verdict}\nWhat risk scoring costs: ${scoringCost}.\nDecisions during the warm-up and the runs: ${mix}.`);
  writeResultsSection(
    'decide',
    [
      `Command: \`npm run bench:decide\` (autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run, ${RUNS} rounds of alternating runs, each round starting with the next server; the four servers in child processes on loopback, the load generator in the parent; ${pinned ? 'servers pinned to one core, the load generator to the other' : 'not pinned to cores (no taskset)'}; 20,000 distinct phones, IPs, sessions and devices with a browser's user agent, time zone and platform, sent round and round).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, ${cpus().length} cores shared by the load generator and the server; other work took ${otherWorkText} of the machine's CPU during the runs.`,
      '',
      table,
      '',
      verdict,
      '',
      `What risk scoring costs: ${scoringCost}.`,
      '',
      `Decisions of the scoring-on server during the warm-up and the runs, from its decision counts: ${mix}.`,
      '',
      'Reading: the server CPU row is the figure that holds still on a shared machine (the rates move with whatever else runs).',
      'With one core for the load generator and one for the server, the rate of /v1/decide follows its CPU per request, so 80 %',
      "of the bare route would leave the whole decision path (key check, phone check and keyed hash, ASN, velocity limits,",
      'breakers, body validation, counting, serialization) about a quarter of the bare route\'s own CPU, a few microseconds. Its',
      'mandatory steps alone take about that much in a warm loop, and under load each microsecond a route adds costs the server',
      'more than one: see `decide: where the time goes`. The runs are nearly all refusals: at these rates the default app ceiling',
      '(1,000 sends a minute, velocity-limits.ts) challenges every request after the first thousand of each minute.',
      'The scoring-off server is the same server with `risk: mode: off` in its policy file. The difference of the two CPU rows',
      'is what scoring costs a request under this load, the score\'s serialization in the answer included; the warm-loop cost',
      'of the scoring itself is in `decide: what risk scoring costs`.',
    ].join('\n'),
  );
}

await main();
