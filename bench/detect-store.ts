/**
 * Writes one seed of the detection benchmark (8 days of the sweep of bench/detect-scenarios.ts,
 * through the real ingest pipeline) into a store directory that is kept, so the backtest can be
 * replayed, profiled and compared between two checkouts on the same data without ingesting again:
 *
 *   node apps/cli/bin/run-ts.js bench/detect-store.ts DIR [SEED]
 *   TOLLGATE_DATA_DIR=COPY npx tollgate backtest --from 2026-11-02T00:00:00Z --to 2026-11-10T00:00:00Z --json F
 *
 * Replay a copy of DIR in each checkout (the embedded store takes one process at a time).
 */
import { mkdirSync } from 'node:fs';
import { openCore } from '@tollgate/core';
import { createSimulator, loadSimulatedTraffic } from '@tollgate/simulator';
import { scenarioSet } from './detect-scenarios.ts';

const DAY = 86_400_000;
/** The benchmark's week: a Monday, 8 days at 26 sends a minute (bench/detect.bench.ts). */
const START_MS = Date.parse('2026-11-02T00:00:00Z');
const DAYS = 8;
const RATE = 26;

const [dir, seedArg] = process.argv.slice(2);
if (!dir) {
  console.error('usage: detect-store.ts DIR [SEED]');
  process.exit(2);
}
const seed = Number(seedArg ?? 11);
mkdirSync(dir, { recursive: true });
const core = await openCore({ TOLLGATE_DATA_DIR: dir, TOLLGATE_HMAC_KEY: 'ab'.repeat(32) });
try {
  const endMs = START_MS + DAYS * DAY;
  const simulator = createSimulator({ seed, startMs: START_MS, sendsPerMinute: RATE, scenarios: scenarioSet(START_MS, seed) });
  const started = performance.now();
  const counts = await loadSimulatedTraffic({ ingestor: core.ingestor, simulator, fromMs: START_MS, toMs: endMs });
  console.log(`seed ${seed}: ${counts.send} sends ingested into ${dir} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
} finally {
  await core.close();
}
