/**
 * Garbage collections of a child node process started with `--trace-gc`, summed from the lines V8
 * prints on its stdout: how many scavenges (the young heap) and mark-compacts (the whole heap) it
 * ran and how long they held its main thread. Counts per request barely move with the machine's
 * load, unlike rates, so they tell whether a change leaves less garbage or less alive.
 */
import type { Readable } from 'node:stream';

export interface GcTotals {
  scavenges: number;
  /** Milliseconds of the scavenges' pauses. */
  scavengeMs: number;
  markCompacts: number;
  /** Milliseconds of the mark-compacts' pauses and of their incremental marking steps before them. */
  markCompactMs: number;
}

// "[pid:0x...]  1234 ms: Scavenge 45.2 (60.1) -> 30.0 (61.1) MB, 2.31 / 0.00 ms  (average mu = ...",
// "... ms: Mark-Compact 90.1 (100.0) -> 60.2 (99.0) MB, 45.20 / 0.10 ms  (+ 75.3 ms in 120 steps since start of marking, ...".
const GC_LINE = /ms: (Scavenge|Mark-Compact)\b.*? MB, ([\d.]+) \/ [\d.]+ ms(?:\s+\(\+ ([\d.]+) ms in \d+ steps)?/;

/** Totals that grow as `stdout` prints trace lines; other lines pass by. */
export function watchGcTrace(stdout: Readable): GcTotals {
  const totals: GcTotals = { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0 };
  let pending = '';
  stdout.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const match = GC_LINE.exec(line);
      if (match === null) continue;
      if (match[1] === 'Scavenge') {
        totals.scavenges += 1;
        totals.scavengeMs += Number(match[2]);
      } else {
        totals.markCompacts += 1;
        totals.markCompactMs += Number(match[2]) + Number(match[3] ?? 0);
      }
    }
  });
  return totals;
}

/** What happened between two readings of the same totals. */
export function gcSince(before: GcTotals, after: GcTotals): GcTotals {
  return {
    scavenges: after.scavenges - before.scavenges,
    scavengeMs: after.scavengeMs - before.scavengeMs,
    markCompacts: after.markCompacts - before.markCompacts,
    markCompactMs: after.markCompactMs - before.markCompactMs,
  };
}
