/**
 * Writes one seed of the detection benchmark (8 days of the sweep of bench/detect-scenarios.ts,
 * through the real ingest pipeline) into a store directory that is kept, so the backtest can be
 * replayed, profiled and compared between two checkouts on the same data without ingesting again:
 *
 *   node apps/cli/bin/run-ts.js bench/detect-store.ts DIR [SEED] [fixed|drawn]
 *   TOLLGATE_DATA_DIR=COPY npx tollgate backtest --from 2026-11-02T00:00:00Z --to 2026-11-10T00:00:00Z --json F
 *
 * Replay a copy of DIR in each checkout (the embedded store takes one process at a time). The
 * tuning seeds run the sweep's fixed ladder and any other seed draws its parameters, as the
 * benchmark's seeds drawn at run time do, unless the third argument says which.
 */
import { mkdirSync } from 'node:fs';
import { openCore } from '@tollgate/core';
import { createSimulator, loadSimulatedTraffic } from '@tollgate/simulator';
import { scenarioSet, sweepLevelNoise, TUNING_SEEDS, type SweepParameters } from './detect-scenarios.ts';

const DAY = 86_400_000;
/** The benchmark's week: a Monday, 8 days at 26 sends a minute (bench/detect.bench.ts). */
const START_MS = Date.parse('2026-11-02T00:00:00Z');
const DAYS = 8;
const RATE = 26;

const [dir, seedArg, parametersArg] = process.argv.slice(2);
if (!dir || (parametersArg !== undefined && parametersArg !== 'fixed' && parametersArg !== 'drawn')) {
  console.error('usage: detect-store.ts DIR [SEED] [fixed|drawn]');
  process.exit(2);
}
const seed = Number(seedArg ?? 11);
const parameters: SweepParameters = parametersArg ?? (TUNING_SEEDS.includes(seed) ? 'fixed' : 'drawn');
mkdirSync(dir, { recursive: true });
const core = await openCore({ TOLLGATE_DATA_DIR: dir, TOLLGATE_HMAC_KEY: 'ab'.repeat(32) });
try {
  const endMs = START_MS + DAYS * DAY;
  const simulator = createSimulator({
    seed,
    startMs: START_MS,
    sendsPerMinute: RATE,
    levelNoise: sweepLevelNoise(seed, parameters, process.env.BENCH_LEVEL_NOISE),
    scenarios: scenarioSet(START_MS, seed, parameters),
  });
  const started = performance.now();
  const counts = await loadSimulatedTraffic({ ingestor: core.ingestor, simulator, fromMs: START_MS, toMs: endMs });
  console.log(
    `seed ${seed} (${parameters}): ${counts.send} sends ingested into ${dir} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
} finally {
  await core.close();
}
