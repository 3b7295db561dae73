/**
 * The decision path's CPU per request without the network (`node apps/cli/bin/run-ts.js bench/decide-inject.ts`):
 * the real server (1,000 breakers, the bench's rules with risk scoring on, the allow-heavy bodies of
 * bench:decide) answering `POST /v1/decide` through fastify's inject, timed by this process's CPU
 * (all threads, the embedded store's included) rather than by the clock, which other work on a
 * shared machine moves far more. With BENCH_BASELINE=DIR (another checkout, see bench:decide) the
 * baseline tree's server runs the same rounds, alternating, one server open at a time (the
 * embedded store binds its process). Writes the `decide: CPU per request in process` section.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startPlatform } from '@tollgate/server';
import { ADMIN_KEY, allowBodies, benchRules, monotonicUs } from './decide-harness.ts';
import { median, writeResultsSection } from './results-file.ts';

const ROUNDS = Number(process.env.BENCH_RUNS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const BREAKERS = 1_000;
const BASELINE_TREE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;
const RULES_DIR = fileURLToPath(new URL('../alert-rules/', import.meta.url));

let sent = 0;

/** Microseconds of process CPU per decide request, on a fresh server started by `start`. */
async function cpuPerRequest(start: typeof startPlatform, bodies: string[], rulesDir: string): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-inject-'));
  const platform = await start({
    env: { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_RULES_DIR: rulesDir, PORT: '0', LOG_LEVEL: 'warn' },
    demo: false,
    version: 'bench',
  });
  const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  try {
    for (let b = 0; b < BREAKERS; b++) {
      const scope = b % 2 === 0 ? { prefix: `+998 ${String(100 + (b % 900)).padStart(3, '0')}` } : { asn: 100_000 + b };
      const res = await platform.app.inject({
        method: 'POST',
        url: '/v1/breakers',
        headers,
        payload: JSON.stringify({ scope, action: b % 3 === 0 ? 'challenge' : 'block', note: 'bench' }),
      });
      if (res.statusCode !== 201) throw new Error(`trip answered ${res.statusCode}: ${res.body}`);
    }
    const decide = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const k = sent++;
        const text = bodies[k % bodies.length]!;
        const res = await platform.app.inject({
          method: 'POST',
          url: '/v1/decide',
          headers,
          payload: `${text.slice(0, -1)},"session_id":"inject-${k}"}`,
        });
        if (res.statusCode !== 200) throw new Error(`decide answered ${res.statusCode}: ${res.body}`);
      }
    };
    await decide(REQUESTS / 4); // warm-up: JIT and the number-block cache
    const before = process.cpuUsage();
    const fromUs = monotonicUs();
    await decide(REQUESTS);
    const cpu = process.cpuUsage(before);
    // For `node --cpu-prof`: the measured requests' window on the profile's clock (cpu-profile-table.ts FROM_US TO_US).
    console.error(`measured window: ${fromUs} ${monotonicUs()}`);
    return (cpu.user + cpu.system) / REQUESTS;
  } finally {
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rulesDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-rules-'));
  benchRules(RULES_DIR, rulesDir);
  const bodies = allowBodies();
  const baselineStart =
    BASELINE_TREE === undefined
      ? undefined
      : ((await import(pathToFileURL(join(BASELINE_TREE, 'apps/server/src/index.ts')).href)) as { startPlatform: typeof startPlatform })
          .startPlatform;
  const loadBefore = loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
  const current: number[] = [];
  const baseline: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating which goes first, so neither always meets the other's after-effects.
      const order = round % 2 === 0 ? (['current', 'baseline'] as const) : (['baseline', 'current'] as const);
      for (const which of order) {
        if (which === 'current') current.push(await cpuPerRequest(startPlatform, bodies, rulesDir));
        else if (baselineStart) baseline.push(await cpuPerRequest(baselineStart, bodies, rulesDir));
      }
      console.error(
        `round ${round + 1}/${ROUNDS}: this tree ${current[round]!.toFixed(1)} us/request${baselineStart ? `, baseline ${baseline[round]!.toFixed(1)} us/request` : ''}`,
      );
    }
  } finally {
    rmSync(rulesDir, { recursive: true, force: true });
  }
  const loadAfter = loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
  const rows = [
    '| server | process CPU per request, us (median) | each round |',
    '| --- | --- | --- |',
    `| this tree | ${median(current).toFixed(1)} | ${current.map((v) => v.toFixed(1)).join(', ')} |`,
    ...(baseline.length > 0
      ? [`| baseline (${BASELINE_TREE}) | ${median(baseline).toFixed(1)} | ${baseline.map((v) => v.toFixed(1)).join(', ')} |`]
      : []),
  ].join('\n');
  console.log(rows);
  writeResultsSection(
    'decide: CPU per request in process',
    [
      `Command: \`${BASELINE_TREE ? 'BENCH_BASELINE=DIR ' : ''}node apps/cli/bin/run-ts.js bench/decide-inject.ts\` (the real server, ${BREAKERS.toLocaleString('en-US')} breakers, the bench's rules with risk scoring on, ${REQUESTS.toLocaleString('en-US')} allow-heavy requests of bench:decide per round through fastify's inject after a warm-up of a quarter of that, ${ROUNDS} alternating rounds, a fresh server and store each; process CPU, all threads).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, 2 cores shared with other work; load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after.`,
      '',
      rows,
      '',
      'Reading: no sockets, so no load generator and no writev: the JavaScript of a decision (hooks, parsing, validation, the',
      'decision, counting, serialization) and the inject shim, which both trees pay alike.',
    ].join('\n'),
  );
}

await main();
