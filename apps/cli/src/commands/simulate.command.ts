import type { Command } from 'commander';
import type { EventKind } from '@tollgate/events';
import { openCore } from '@tollgate/server';
import { createSimulator, demoScenarios } from '@tollgate/simulator';
import { createProgress } from '../progress.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
// Events per store write: big batches are what makes fast-forwarding fast.
const FLUSH_EVENTS = 20_000;

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
      const counts: Record<EventKind, number> = { send: 0, verify: 0, billing: 0, receipt: 0 };
      const started = performance.now();
      try {
        let buffer: Record<EventKind, unknown[]> = { send: [], verify: [], billing: [], receipt: [] };
        let buffered = 0;
        const flush = async () => {
          for (const kind of ['send', 'verify', 'billing', 'receipt'] as const) {
            if (buffer[kind].length === 0) continue;
            const result = await core.ingestor.submit(kind, buffer[kind].map((value, i) => ({ line: i + 1, value })));
            if (!result.ok) throw new Error('ingest pipeline overloaded');
            counts[kind] += result.accepted;
            if (result.rejected.length > 0) throw new Error(`simulator produced invalid ${kind} events: ${JSON.stringify(result.rejected.slice(0, 3))}`);
          }
          buffer = { send: [], verify: [], billing: [], receipt: [] };
          buffered = 0;
        };
        for (let hour = 0; hour < totalHours; hour++) {
          for (const event of simulator.generate(startMs + hour * HOUR_MS, startMs + (hour + 1) * HOUR_MS)) {
            buffer[event.kind].push(event.body);
            if (++buffered >= FLUSH_EVENTS) await flush();
          }
          progress.update(hour + 1);
        }
        await flush();
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
