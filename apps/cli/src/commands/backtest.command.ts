import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { runBacktest } from '@tollgate/detector';
import { openCore } from '@tollgate/server';
import { createProgress } from '../progress.ts';

/**
 * `tollgate backtest --from ISO --to ISO [--json FILE]`: replays detection over stored history
 * minute by minute on event time (the live detector's engine) and reports what it would have raised.
 */
export function registerBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .description('Replay detection over stored history minute by minute and list what it would have raised')
    .requiredOption('--from <time>', 'start of the replay (ISO-8601 or epoch ms)', parseTime('from'))
    .requiredOption('--to <time>', 'end of the replay (ISO-8601 or epoch ms)', parseTime('to'))
    .option('--json <file>', 'write the findings as JSON: [{ts, kind, scope, severity, action, observed, expected}]')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate simulate --days 3\n  tollgate backtest --from 2026-11-20T00:00:00Z --to 2026-11-23T00:00:00Z --json findings.json\n' +
        '\nReads the store in TOLLGATE_DATA_DIR (or CLICKHOUSE_URL); stop the server first on the embedded store.',
    )
    .action(async (options: { from: number; to: number; json?: string }) => {
      if (options.from >= options.to) throw new Error('--from must be before --to');
      const core = await openCore(process.env);
      const totalMinutes = Math.ceil((options.to - options.from) / 60_000);
      const progress = createProgress('backtest', totalMinutes, 'minutes');
      try {
        const started = performance.now();
        const result = await runBacktest({
          store: core.store,
          fromMs: options.from,
          toMs: options.to,
          onProgress: (done) => progress.update(done),
        });
        progress.stop();
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        const findings = result.findings.map((f) => ({ ...f, ts: new Date(f.ts).toISOString() }));
        if (options.json) writeFileSync(options.json, `${JSON.stringify(findings, null, 2)}\n`);
        for (const f of findings) {
          console.log(`${f.ts}  ${f.kind.padEnd(18)} ${f.action.padEnd(9)} ${f.severity.padEnd(8)} ${JSON.stringify(f.scope)}  observed ${round(f.observed)} expected ${round(f.expected)}`);
        }
        console.log(`${result.steps} minutes replayed in ${seconds} s: ${findings.length} finding(s), ${result.anomalies.length} anomal${result.anomalies.length === 1 ? 'y' : 'ies'}`);
      } finally {
        progress.stop();
        await core.close();
      }
    });
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3);
}

function parseTime(name: string) {
  return (value: string): number => {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(ms)) throw new Error(`--${name} must be an ISO-8601 time (2026-11-24T10:00:00Z) or epoch milliseconds (got "${value}")`);
    return ms;
  };
}
