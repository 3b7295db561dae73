import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The machine's load averages over 1, 5 and 15 minutes, as a section's "Measured" line gives them. */
export function loadAverages(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
}

/** The body of the `## name` section of bench/RESULTS.md (without its heading), if there is one. */
export function readResultsSection(name: string): string | undefined {
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '';
  const heading = `## ${name}\n`;
  const start = current.indexOf(heading);
  if (start < 0) return undefined;
  const after = current.indexOf('\n## ', start + heading.length);
  return current.slice(start + heading.length, after < 0 ? undefined : after).trim();
}

/** Replaces (or appends) the `## name` section of bench/RESULTS.md, leaving the other benchmarks' sections alone. */
export function writeResultsSection(name: string, body: string): void {
  const current = existsSync(RESULTS)
    ? readFileSync(RESULTS, 'utf8')
    : '# Benchmark results\n\nLatest figures of each benchmark, with the command that made them.\n';
  const heading = `## ${name}`;
  const section = `${heading}\n\n${body.trim()}\n\n`;
  const start = current.indexOf(`${heading}\n`);
  if (start < 0) {
    writeFileSync(RESULTS, `${current.trimEnd()}\n\n${section.trimEnd()}\n`);
    return;
  }
  const after = current.indexOf('\n## ', start + heading.length);
  const rest = after < 0 ? '' : current.slice(after + 1);
  writeFileSync(RESULTS, `${(current.slice(0, start) + section + rest).trimEnd()}\n`);
}
