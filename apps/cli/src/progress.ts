import cliProgress from 'cli-progress';

/** A progress bar on stderr (so stdout stays clean for `--json` output), silent when not a TTY. */
export function createProgress(label: string, total: number, unit: string): { update(value: number): void; stop(): void } {
  if (!process.stderr.isTTY) {
    let lastReported = -1;
    return {
      update(value) {
        const pct = Math.floor((value / Math.max(total, 1)) * 10) * 10;
        if (pct !== lastReported) {
          lastReported = pct;
          process.stderr.write(`${label}: ${pct}% (${value}/${total} ${unit})\n`);
        }
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | eta {eta_formatted}`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (value) => bar.update(value), stop: () => bar.stop() };
}
