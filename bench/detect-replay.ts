/**
 * The 8-day backtest of one stored seed, this tree against another checkout on the same data, in
 * alternate runs: wall time, the process's CPU and its main thread's CPU (where the detector runs;
 * on a machine shared with other work the CPU figures move less than the wall time), and whether
 * both found exactly the same (every field of every finding). Writes nothing to RESULTS.md.
 *
 *   node apps/cli/bin/run-ts.js bench/detect-store.ts /tmp/seed11 11
 *   BENCH_BASELINE=/tmp/tollgate-base BENCH_ROUNDS=3 node apps/cli/bin/run-ts.js bench/detect-replay.ts /tmp/seed11
 *
 * Each run replays a fresh copy of the store in a child process (the embedded store takes one
 * process at a time). BENCH_DAYS shortens the replay.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const START_MS = Date.parse('2026-11-02T00:00:00Z');
const DAY_MS = 86_400_000;
const REPLAY_PREFIX = 'REPLAY ';

interface Replay {
  wallS: number;
  cpuS: number;
  mainCpuS: number;
  findings: number;
}

/** CPU seconds of this process's main thread so far (Linux), NaN elsewhere. */
function mainThreadCpuS(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** In the child: one backtest with `tree`'s code over the copy in `dir`, its findings written to `out`. */
async function replay(tree: string, dir: string, days: number, out: string): Promise<void> {
  const { openCore } = (await import(pathToFileURL(join(tree, 'packages/core/src/index.ts')).href)) as typeof import('@tollgate/core');
  const { runBacktest } = (await import(
    pathToFileURL(join(tree, 'packages/detector/src/index.ts')).href
  )) as typeof import('@tollgate/detector');
  const core = await openCore({ TOLLGATE_DATA_DIR: dir, TOLLGATE_HMAC_KEY: 'ab'.repeat(32) });
  try {
    const main = mainThreadCpuS();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await runBacktest({ store: core.store, fromMs: START_MS, toMs: START_MS + days * DAY_MS });
    const used = process.cpuUsage(cpu);
    const run: Replay = {
      wallS: (performance.now() - started) / 1000,
      cpuS: (used.user + used.system) / 1e6,
      mainCpuS: mainThreadCpuS() - main,
      findings: result.findings.length,
    };
    writeFileSync(out, JSON.stringify(result.findings));
    console.log(`${REPLAY_PREFIX}${JSON.stringify(run)}`);
  } finally {
    await core.close();
  }
}

function runChild(tree: string, store: string, days: number, out: string): Replay {
  const copy = mkdtempSync(join(tmpdir(), 'tollgate-detect-replay-'));
  try {
    for (const entry of readdirSync(store)) cpSync(join(store, entry), join(copy, entry), { recursive: true });
    const child = spawnSync(
      process.execPath,
      [join(tree, 'apps/cli/bin/run-ts.js'), fileURLToPath(import.meta.url), '--replay', tree, copy, String(days), out],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
    );
    const line = child.stdout.split('\n').find((l) => l.startsWith(REPLAY_PREFIX));
    if (child.status !== 0 || !line) throw new Error(`replay with ${tree} exited with ${child.status}:\n${child.stdout.slice(-2000)}`);
    return JSON.parse(line.slice(REPLAY_PREFIX.length)) as Replay;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * The findings with only the fields the reference (the baseline, replayed first) writes too: a
 * baseline from before a field was added to the backtest's output (a finding's facts) is still
 * compared on all it has, and a field this tree no longer writes still shows as a difference.
 */
function sharedFields(findings: Array<Record<string, unknown>>, other: Array<Record<string, unknown>>): unknown[] {
  const keys = new Set(other.flatMap((finding) => Object.keys(finding)));
  return findings.map((finding) => Object.fromEntries(Object.entries(finding).filter(([key]) => keys.has(key))));
}

async function main(): Promise<void> {
  const store = process.argv[2];
  if (!store) throw new Error('usage: detect-replay.ts STORE_DIR (written by bench/detect-store.ts)');
  const days = Number(process.env.BENCH_DAYS ?? 8);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const here = fileURLToPath(new URL('../', import.meta.url));
  const trees = [
    ...(process.env.BENCH_BASELINE ? [{ name: 'baseline', root: resolve(process.env.BENCH_BASELINE) }] : []),
    { name: 'this tree', root: resolve(here) },
  ];
  const work = mkdtempSync(join(tmpdir(), 'tollgate-detect-findings-'));
  const runs = new Map<string, Replay[]>(trees.map((tree) => [tree.name, []]));
  let reference: Array<Record<string, unknown>> | undefined;
  try {
    for (let round = 1; round <= rounds; round += 1) {
      for (const tree of trees) {
        const out = join(work, `${tree.name.replace(' ', '-')}-${round}.json`);
        const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
        const run = runChild(tree.root, resolve(store), days, out);
        const findings = JSON.parse(readFileSync(out, 'utf8')) as Array<Record<string, unknown>>;
        reference ??= findings;
        const same = isDeepStrictEqual(sharedFields(findings, reference), reference) ? 'same findings' : '**different findings**';
        runs.get(tree.name)?.push(run);
        console.log(
          `round ${round} ${tree.name}: ${run.wallS.toFixed(1)} s wall, ${run.cpuS.toFixed(1)} s CPU, ${run.mainCpuS.toFixed(1)} s main thread; ` +
            `${run.findings} findings, ${same} (load average ${load} before)`,
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const base = runs.get('baseline') ?? [];
  const mine = runs.get('this tree') ?? [];
  for (const key of ['wallS', 'cpuS', 'mainCpuS'] as const) {
    const ours = median(mine.map((r) => r[key]));
    const theirs = base.length > 0 ? median(base.map((r) => r[key])) : Number.NaN;
    const ratio = base.length > 0 ? `, ${(ours / theirs).toFixed(2)}x the baseline's ${theirs.toFixed(1)} s` : '';
    console.log(`median ${key}: ${ours.toFixed(1)} s${ratio}`);
  }
}

if (process.argv[2] === '--replay') {
  const [tree, dir, days, out] = process.argv.slice(3) as [string, string, string, string];
  await replay(tree, dir, Number(days), out);
} else {
  await main();
}
