import type { Command } from 'commander';
import { openCore } from '@tollgate/core';
import { loadSimulatedTraffic, createSimulator, demoScenarios, type EventCounts } from '@tollgate/simulator';
import { createProgress } from '../progress.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * `tollgate simulate --days N`: fast-forwards N days of synthetic traffic (ending now) into the
 * local store, through the same ingest pipeline as live events, so detectors have a history.
 */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('Fast-forward N days of simulated OTP traffic (ending now) into the local store')
    .requiredOption('--days <n>', 'days of history to generate', parsePositive('days'))
    .option('--seed <n>', 'simulator seed (same seed, same events)', parsePositive('seed'), 1)
    .option('--rate <n>', 'average sends per minute across all countries', parsePositive('rate'), 200)
    .option('--no-scenarios', 'legitimate traffic only, without the demo attacks and campaigns')
    .action(async (options: { days: number; seed: number; rate: number; scenarios: boolean }) => {
      const endMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
      const startMs = endMs - options.days * 24 * HOUR_MS;
      const simulator = createSimulator({
        seed: options.seed,
        startMs,
        sendsPerMinute: options.rate,
        scenarios: options.scenarios ? demoScenarios(startMs) : [],
      });
      const core = await openCore(process.env);
      const totalHours = options.days * 24;
      const progress = createProgress('simulate', totalHours, 'hours');
      const started = performance.now();
      let counts: EventCounts;
      try {
        counts = await loadSimulatedTraffic({
          ingestor: core.ingestor,
          simulator,
          fromMs: startMs,
          toMs: endMs,
          onHour: (done) => progress.update(done),
        });
      } finally {
        progress.stop();
        await core.close();
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `simulated ${options.days} day(s): ${counts.send} sends, ${counts.verify} verifies, ${counts.receipt} receipts, ` +
          `${counts.billing} billing lines in ${seconds.toFixed(1)} s`,
      );
    });
}

function parsePositive(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0 (got "${value}")`);
    return n;
  };
}
