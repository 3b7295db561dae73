/**
 * What the slowest creates of bench:proxy's open loop waited behind (BENCH_TIMELINE): the load
 * generator's times of each create (scheduled send, answer read) against the timeline a measured
 * Tollgate kept of the same creates and of its event loop (bench/loop-timeline.preload.js). A create
 * is in Tollgate's hands from its scheduled send until its relay left, and from when the provider
 * could first have answered (the relay's send plus the stand-in's delay) until the answer was read;
 * whatever held the loop in those windows is what it waited behind. Pure: the bench reads the
 * files and prints the table.
 */
import { quantile } from './open-loop-load.ts';

/** What the preload wrote, epoch ms: per create [index, reached the loop, relay sent, provider's answer on the loop, answer written]. */
export interface LoopTimeline {
  creates: [number, number, number, number, number][];
  /** [start, duration ms] of each GC pause. */
  gc: [number, number][];
  /** [from, to, loop CPU ms, loop wait for its core ms] of each stall of 2 ms or more. */
  stalls: [number, number, number, number][];
  /** [at, channel] of each turn the ingestor's flush or the recorder said it took. */
  marks: [number, string][];
}

/** The load generator's side, epoch ms by create index (NaN for a create that failed). */
export interface CreateTimes {
  scheduledMs: Float64Array;
  answeredMs: Float64Array;
}

/** What a slow create waited behind, the first of these that held the loop in its windows. */
export const CAUSES = [
  'a GC pause',
  'the loop waiting for its core (other threads, other processes)',
  "the ingestor's flush on the loop",
  "the recorder's hand-over to the ingestor",
  'other creates on the loop',
  'the provider exchange (the stand-in, the connection)',
  'no stall of the loop of 2 ms or more',
] as const;
export type Cause = (typeof CAUSES)[number];

/** One of the slowest creates: what it waited behind, how much slower than the run's median create it was, what the loop did in its windows (ms). */
export interface SlowCreate {
  cause: Cause;
  excessMs: number;
  loopCpuMs: number;
  loopWaitMs: number;
  gcMs: number;
}

export interface CauseRow {
  cause: Cause;
  creates: number;
  /** Medians over its creates: how much slower than the run's median create, and what the loop did in its windows. */
  excessMs: number;
  loopCpuMs: number;
  loopWaitMs: number;
  gcMs: number;
}

export interface RunTimeline {
  /** The run's slowest creates, slowest first. */
  slowest: SlowCreate[];
  /** Over the run: GC pauses and their total, stalls of the loop and their CPU and wait, ms. */
  gcPauses: number;
  gcMs: number;
  stalls: number;
  stallCpuMs: number;
  stallWaitMs: number;
  /** The flush's and the recorder's turns: how many stalls held one. */
  flushStalls: number;
  recordStalls: number;
}

const median = (values: number[]) =>
  values.length === 0
    ? 0
    : quantile(
        [...values].sort((a, b) => a - b),
        0.5,
      );
const overlaps = (from: number, to: number, windows: [number, number][]) => windows.some(([a, b]) => Math.max(a, from) < Math.min(b, to));
const FLUSH = 'tollgate:ingest-flush';
const RECORD = 'tollgate:proxy-record';

/** The causes of the slowest `share` of the run's creates (by their latency, as the p99 counts them). */
export function attributeRun(timeline: LoopTimeline, times: CreateTimes, providerMs: number, share: number): RunTimeline {
  const answered = timeline.creates.filter(([i]) => Number.isFinite(times.answeredMs[i]!) && Number.isFinite(times.scheduledMs[i]!));
  const latency = (i: number) => times.answeredMs[i]! - times.scheduledMs[i]!;
  const runFrom = Math.min(...answered.map(([i]) => times.scheduledMs[i]!));
  const runTo = Math.max(...answered.map(([i]) => times.answeredMs[i]!));
  const inRun = <T extends [number, ...number[]]>(items: T[]) => items.filter(([at]) => at >= runFrom && at <= runTo);
  const gc = inRun(timeline.gc);
  const stalls = inRun(timeline.stalls);
  const marks = timeline.marks.filter(([at]) => at >= runFrom && at <= runTo);
  const holds = (stall: [number, number, number, number], channel: string) =>
    marks.some(([at, name]) => name === channel && at >= stall[0] && at <= stall[1]);
  const medianMs = median(answered.map(([i]) => latency(i)));
  const count = Math.max(1, Math.round(answered.length * share));
  const slowest = [...answered].sort((a, b) => latency(b[0]) - latency(a[0])).slice(0, count);
  const slow = slowest.map(([i, arrived, relayed, answeredOnLoop]): SlowCreate => {
    const windows: [number, number][] = [
      [times.scheduledMs[i]!, relayed],
      [relayed + providerMs, times.answeredMs[i]!],
    ];
    const held = stalls.filter(([from, to]) => overlaps(from, to, windows));
    const cpu = held.reduce((sum, s) => sum + s[2], 0);
    const wait = held.reduce((sum, s) => sum + s[3], 0);
    const paused = gc.filter(([start, ms]) => overlaps(start, start + ms, windows)).reduce((sum, [, ms]) => sum + ms, 0);
    // The exchange took longer than the stand-in's delay by more than the loop's stalls explain.
    const exchangeMs = answeredOnLoop - relayed - providerMs;
    const cause: Cause =
      paused > 0
        ? 'a GC pause'
        : held.length > 0 && wait >= 1 && wait >= cpu
          ? 'the loop waiting for its core (other threads, other processes)'
          : held.some((s) => holds(s, FLUSH))
            ? "the ingestor's flush on the loop"
            : held.some((s) => holds(s, RECORD))
              ? "the recorder's hand-over to the ingestor"
              : held.length > 0
                ? 'other creates on the loop'
                : exchangeMs >= 2 || arrived - times.scheduledMs[i]! >= 2
                  ? 'the provider exchange (the stand-in, the connection)'
                  : 'no stall of the loop of 2 ms or more';
    return { cause, excessMs: latency(i) - medianMs, loopCpuMs: cpu, loopWaitMs: wait, gcMs: paused };
  });
  return {
    slowest: slow,
    gcPauses: gc.length,
    gcMs: gc.reduce((sum, [, ms]) => sum + ms, 0),
    stalls: stalls.length,
    stallCpuMs: stalls.reduce((sum, s) => sum + s[2], 0),
    stallWaitMs: stalls.reduce((sum, s) => sum + s[3], 0),
    flushStalls: stalls.filter((s) => holds(s, FLUSH)).length,
    recordStalls: stalls.filter((s) => holds(s, RECORD)).length,
  };
}

/** The slowest creates of one or more runs by cause, most frequent first, with the medians of each cause's creates. */
export function causeRows(slow: readonly SlowCreate[]): CauseRow[] {
  return CAUSES.map((cause) => slow.filter((c) => c.cause === cause))
    .filter((creates) => creates.length > 0)
    .map((creates) => ({
      cause: creates[0]!.cause,
      creates: creates.length,
      excessMs: median(creates.map((c) => c.excessMs)),
      loopCpuMs: median(creates.map((c) => c.loopCpuMs)),
      loopWaitMs: median(creates.map((c) => c.loopWaitMs)),
      gcMs: median(creates.map((c) => c.gcMs)),
    }))
    .sort((a, b) => b.creates - a.creates);
}
