/**
 * Open-loop load: requests sent at a fixed mean arrival rate whatever the server does, as a
 * service's independent users send them (Poisson arrivals: exponential gaps, from a seed so every
 * run and every path meets the same sequence). Each latency runs from the request's scheduled send
 * time, not from when it left, so a generator or server that falls behind is charged for it (no
 * coordinated omission). A request finds a free keep-alive connection or opens one: none waits for
 * another's answer, unlike a closed loop of N connections, whose requests come back and go out
 * together in waves when the server answers them all after the same delay.
 */
import { Agent, request } from 'node:http';
import { hashString } from '@tollgate/vocabulary';

export interface OpenLoopOptions {
  url: string;
  headers: Record<string, string>;
  /** The body of the i-th request. */
  body: (i: number) => string;
  ratePerS: number;
  requests: number;
  seed: number;
  /** A header that carries each request's index, for a server that keeps a timeline of them (and `times` in the result). */
  indexHeader?: string;
}

export interface OpenLoopResult {
  /** Each answered request's time from its scheduled send to the end of its answer, ms, ascending. */
  latenciesMs: number[];
  /** Failed requests and answers other than 2xx. */
  errors: number;
  /** The same by what went wrong: the answer's status, or the request's error code. */
  failures: Record<string, number>;
  /** Answered requests per second of the run. */
  rps: number;
  /** How late this process sent each request after its scheduled time, ms, ascending: the generator's own share of the latencies. */
  lateMs: number[];
  /** With `indexHeader`: each request's scheduled send and the end of its answer, epoch ms by index (NaN if it failed). */
  times?: { scheduledMs: Float64Array; answeredMs: Float64Array };
}

const TWO_POW_32 = 2 ** 32;

/** Send times (ms from the start) of `count` Poisson arrivals at `ratePerS`, fixed by `seed`. */
export function arrivalTimesMs(count: number, ratePerS: number, seed: number): Float64Array {
  const times = new Float64Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    // A uniform draw in (0, 1] from the seeded hash of the index: the gap is exponential.
    const uniform = ((hashString(String(i), seed) >>> 0) + 1) / TWO_POW_32;
    at += (-Math.log(uniform) * 1_000) / ratePerS;
    times[i] = at;
  }
  return times;
}

/** The `q` quantile (0-1) of ascending `sorted`, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * The ranks around the `q` quantile of ascending `sorted` within which the true quantile lies 19
 * times in 20 (the binomial count of samples below it, in its normal form), as values.
 */
export function quantileInterval(sorted: readonly number[], q: number): [number, number] {
  const spread = 1.96 * Math.sqrt(sorted.length * q * (1 - q));
  const at = (rank: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(rank) - 1))]!;
  return [at(q * sorted.length - spread), at(q * sorted.length + spread)];
}

/** Runs `requests` POSTs to `url` at their scheduled times and resolves when every one is answered. */
export function openLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(opts.url);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' });
  const times = arrivalTimesMs(opts.requests, opts.ratePerS, opts.seed);
  const latencies: number[] = [];
  const late: number[] = [];
  let errors = 0;
  const failures: Record<string, number> = {};
  const fail = (what: string) => {
    errors++;
    failures[what] = (failures[what] ?? 0) + 1;
  };
  const byIndex =
    opts.indexHeader === undefined
      ? undefined
      : { scheduledMs: new Float64Array(opts.requests).fill(Number.NaN), answeredMs: new Float64Array(opts.requests).fill(Number.NaN) };
  let next = 0;
  let settled = 0;
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const finish = () => {
      if (++settled < opts.requests) return;
      agent.destroy();
      latencies.sort((a, b) => a - b);
      late.sort((a, b) => a - b);
      resolve({
        latenciesMs: latencies,
        errors,
        failures,
        rps: (latencies.length * 1_000) / (performance.now() - startedAt),
        lateMs: late,
        ...(byIndex !== undefined && { times: byIndex }),
      });
    };
    const send = (i: number) => {
      const scheduled = startedAt + times[i]!;
      late.push(performance.now() - scheduled);
      const body = opts.body(i);
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: 'POST',
          headers: {
            ...opts.headers,
            'content-length': Buffer.byteLength(body),
            ...(opts.indexHeader !== undefined && { [opts.indexHeader]: String(i) }),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
              latencies.push(performance.now() - scheduled);
              if (byIndex !== undefined) {
                byIndex.scheduledMs[i] = performance.timeOrigin + scheduled;
                byIndex.answeredMs[i] = performance.timeOrigin + performance.now();
              }
            } else fail(String(res.statusCode));
            finish();
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        fail(error.code ?? error.message);
        finish();
      });
      req.end(body);
    };
    // Each wake-up sends every request whose time has come, then sleeps until the next one's.
    const tick = () => {
      const now = performance.now() - startedAt;
      while (next < opts.requests && times[next]! <= now) send(next++);
      if (next < opts.requests) setTimeout(tick, Math.max(0, times[next]! - (performance.now() - startedAt)));
    };
    tick();
  });
}
