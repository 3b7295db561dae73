/**
 * The simulator: turns a random seed, a start and a list of scenarios into the event stream services
 * and providers would send to the collectors, window by window, in arrival order.
 */
import type { ScenarioLabel, ScenarioSpec } from '../scenarios/scenario.types.ts';
import { createScenario } from '../scenarios/scenario-registry.ts';
import { hashSeed } from '../random/prng.ts';
import type { SimEvent } from '../sim-event.ts';
import { createBaselineTraffic } from '../traffic/baseline-traffic.ts';
import { createLevelNoise } from '../traffic/level-noise.ts';
import { createArrivalQueue, type ArrivalQueue } from './arrival-queue.ts';
import { createLabelLedger } from './label-ledger.ts';
import { CONSEQUENCE_HORIZON_MS } from './minute-batch.ts';
import { createMinuteGenerator } from './minute-generator.ts';
import { minuteOf, MS_PER_MINUTE } from './time.ts';

/** About 290 000 sends a day: a mid-sized global consumer app. */
export const DEFAULT_SENDS_PER_MINUTE = 200;

export interface SimulatorOptions {
  /** Same seed, same traffic. */
  seed: number | string;
  /** No session starts before this instant (epoch ms). */
  startMs: number;
  /** Weekly average of healthy sends per minute, all countries; 0 leaves only the scenarios. */
  sendsPerMinute?: number;
  /**
   * How far each country's healthy traffic wanders from its seasonal curve: the standard deviation
   * of the log of its daily level (half of it hour to hour), 0 to 1; 0 (the default) keeps it on the curve.
   */
  levelNoise?: number;
  scenarios?: readonly ScenarioSpec[];
}

export interface Simulator {
  readonly startMs: number;
  /**
   * Every event that arrives in [fromMs, toMs), in non-decreasing `ts`. Consecutive windows
   * ([a, b) then [b, c)) yield exactly what [a, c) yields; a window that does not continue the
   * previous one first replays the 6 h of sessions whose consequences may still arrive in it.
   */
  generate(fromMs: number, toMs: number): Generator<SimEvent, void, undefined>;
  /** Ground truth per scenario, with sends and cost counted up to `untilMs` (default: all). */
  labels(untilMs?: number): ScenarioLabel[];
}

/** Where the last fully consumed window stopped, with what it left pending. */
interface Stream {
  cursorMs: number;
  nextMinute: number;
  queue: ArrivalQueue;
}

/**
 * Creates a simulator. It owns the generation state that lets consecutive windows continue
 * without regenerating the past; labels are computed lazily on first request.
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const sendsPerMinute = options.sendsPerMinute ?? DEFAULT_SENDS_PER_MINUTE;
  if (!Number.isFinite(options.startMs)) throw new RangeError('startMs must be epoch milliseconds');
  if (!Number.isFinite(sendsPerMinute) || sendsPerMinute < 0) {
    throw new RangeError('sendsPerMinute must be a number of sends per minute, 0 or more');
  }
  const seedHash = hashSeed(options.seed);
  const baseline = createBaselineTraffic(sendsPerMinute, createLevelNoise(seedHash, options.levelNoise ?? 0));
  const runners = (options.scenarios ?? []).map((spec, index) => createScenario(spec, { index, seedHash, baseline }));
  const minutes = createMinuteGenerator({
    seedHash,
    seedTag: seedHash.toString(36),
    simStartMs: options.startMs,
    baseline,
    runners,
  });
  const ledger = createLabelLedger(runners, minutes);
  const firstMinute = minuteOf(options.startMs);

  // Only one window at a time may continue the stream; a window that finds it taken starts afresh.
  let resumable: Stream | undefined;

  const freshStream = (fromMs: number): Stream => ({
    cursorMs: fromMs,
    nextMinute: Math.max(firstMinute, minuteOf(fromMs - CONSEQUENCE_HORIZON_MS)),
    queue: createArrivalQueue(fromMs),
  });

  function* window(fromMs: number, toMs: number): Generator<SimEvent, void, undefined> {
    const stream = resumable?.cursorMs === fromMs ? resumable : freshStream(fromMs);
    resumable = undefined;
    const lastMinute = minuteOf(toMs - 1);
    while (stream.nextMinute <= lastMinute) {
      const batch = minutes.build(stream.nextMinute);
      batch.events.forEach((event, i) => {
        const atMs = batch.arrivalsMs[i] ?? fromMs;
        if (atMs >= fromMs) stream.queue.push(event, atMs);
      });
      stream.nextMinute += 1;
      // Nothing generated later can arrive before the next minute starts: what is earlier is final.
      yield* stream.queue.drain(Math.min(toMs, stream.nextMinute * MS_PER_MINUTE));
    }
    yield* stream.queue.drain(toMs);
    stream.cursorMs = toMs;
    resumable = stream;
  }

  // Not a generator itself, so that bad arguments fail at the call, not at the first iteration.
  const generate = (fromMs: number, toMs: number): Generator<SimEvent, void, undefined> => {
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) {
      throw new RangeError('generate(fromMs, toMs) needs finite epoch milliseconds with fromMs <= toMs');
    }
    return window(fromMs, toMs);
  };

  return { startMs: options.startMs, generate, labels: ledger.labels };
}
