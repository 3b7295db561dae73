import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { runBacktest } from '@tollgate/detector';
import { backtestPolicy, readPolicyFile } from '@tollgate/breakers';
import { openStoreCore } from '@tollgate/core';
import { createProgress } from '../progress.ts';

/**
 * `tollgate backtest --from ISO --to ISO [--json FILE]`: replays detection over stored history
 * minute by minute on event time (the live detector's engine) and reports what it would have raised.
 * With `--policy FILE` it replays the stored sends through the decision path that breaker policy
 * describes instead, and reports what it would have allowed, challenged and blocked.
 */
export function registerBacktestCommand(program: Command): void {
  program
    .command('backtest')
    .description('Replay detection over stored history minute by minute and list what it would have raised')
    .requiredOption('--from <time>', 'start of the replay (ISO-8601 or epoch ms)', parseTime('from'))
    .requiredOption('--to <time>', 'end of the replay (ISO-8601 or epoch ms)', parseTime('to'))
    .option(
      '--json <file>',
      'write the findings as JSON: [{ts, kind, scope (the narrowest that explains it), level, severity, action, observed, expected, unit, summary, narrowest (why that scope), contributors (prefixes, countries, ASNs, addresses, blocks), facts (figures of the test that raised it)}] (with --policy: the report)',
    )
    .option('--policy <file>', 'replay the sends through the decision path of this breaker policy file instead of detection')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate simulate --days 3\n  tollgate backtest --from 2026-11-20T00:00:00Z --to 2026-11-23T00:00:00Z --json findings.json\n' +
        '  tollgate backtest --policy draft-policy.yaml --from 2026-11-22T00:00:00Z --to 2026-11-23T00:00:00Z\n' +
        '\nReads the store in TOLLGATE_DATA_DIR (or CLICKHOUSE_URL); stop the server first on the embedded store.',
    )
    .action(async (options: { from: number; to: number; json?: string; policy?: string }) => {
      if (options.from >= options.to) throw new Error('--from must be before --to');
      if (options.policy !== undefined) return replayPolicy(options.policy, options);
      const core = await openStoreCore(process.env);
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
          console.log(
            `${f.ts}  ${f.kind.padEnd(18)} ${f.action.padEnd(9)} ${f.severity.padEnd(8)} ${JSON.stringify(f.scope)}  observed ${round(f.observed)} expected ${round(f.expected)}`,
          );
        }
        console.log(
          `${result.steps} minutes replayed in ${seconds} s: ${findings.length} finding(s), ${result.anomalies.length} anomal${result.anomalies.length === 1 ? 'y' : 'ies'}`,
        );
      } finally {
        progress.stop();
        await core.close();
      }
    });
}

/** `backtest --policy`: a line per app and flow, then the totals; the report as JSON with --json. */
async function replayPolicy(file: string, options: { from: number; to: number; json?: string }): Promise<void> {
  // Read before opening the store: a policy with mistakes should cost nothing but the message.
  const policy = readPolicyFile(file, 'run the backtest');
  const core = await openStoreCore(process.env);
  const progress = createProgress('backtest', Math.ceil((options.to - options.from) / 60_000), 'minutes');
  try {
    const started = performance.now();
    const report = await backtestPolicy({
      store: core.store,
      identity: core.identity,
      policy,
      fromMs: options.from,
      toMs: options.to,
      onProgress: (doneMs) => progress.update(Math.ceil(doneMs / 60_000)),
    });
    progress.stop();
    if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    const pct = (n: number, of: number) => (of === 0 ? '-' : `${((n / of) * 100).toFixed(1)} %`);
    const usd = (n: number) => `$${n.toFixed(2)}`;
    for (const g of [...report.groups, report.total]) {
      const verified = g.verified.allowed + g.verified.challenged + g.verified.blocked;
      console.log(
        `${`${g.app} ${g.flow}`.padEnd(18)} ${String(g.sessions).padStart(7)} sessions: ${pct(g.allowed, g.sessions)} allowed, ` +
          `${pct(g.challenged, g.sessions)} challenged, ${pct(g.blocked, g.sessions)} blocked; ` +
          `verified sessions met friction ${pct(g.verified.challenged + g.verified.blocked, verified)} (of ${verified}); ` +
          `spend stopped ${usd(g.spendStoppedUsd)} of ${usd(g.spendUsd)}`,
      );
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${report.total.sends} sends replayed in ${seconds} s through ${file}`);
  } finally {
    progress.stop();
    await core.close();
  }
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3);
}

function parseTime(name: string) {
  return (value: string): number => {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(ms))
      throw new Error(`--${name} must be an ISO-8601 time (2026-11-24T10:00:00Z) or epoch milliseconds (got "${value}")`);
    return ms;
  };
}
