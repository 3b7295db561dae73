/**
 * Detection over stored history for the detector's tests: a runtime with the shipped breaker policy
 * on a controllable event-time clock, and a watch that runs it across a span of event time the way
 * the cron schedule would, keeping the last state of every anomaly it touched.
 */
import type { Anomaly, DetectorConfig } from '@tollgate/detector';
import { createDetectionRuntime, type AutoTripOutcome, type DetectionRuntime } from '../../src/detection-runtime.ts';
import { loadPolicyFile } from '@tollgate/breakers';
import { RULES_DIR, type TestServer } from './test-server.ts';

const MINUTE_MS = 60_000;
/** Cycles of a watch are this far apart in event time; each steps the engine through every minute in between. */
const WATCH_CYCLE_MS = 10 * MINUTE_MS;

/** A detection runtime on the test server's store and breakers, failing the test on any cycle error. */
export function detectionRuntime(server: TestServer, clock: () => number, config?: DetectorConfig): DetectionRuntime {
  return createDetectionRuntime({
    store: server.core.store,
    registry: server.decisions.registry,
    policy: loadPolicyFile({ TOLLGATE_RULES_DIR: RULES_DIR }),
    config,
    clock,
    onError: (error) => {
      throw error;
    },
  });
}

export interface Watch {
  /** Every anomaly the watch saw a signal of, in its last state (actions only escalate while open). */
  anomalies: Anomaly[];
  trips: AutoTripOutcome[];
}

/** Runs a fresh runtime (warm-up included) from `fromMs` to `toMs`, a cycle every ten minutes of event time. */
export async function watchDetection(server: TestServer, span: { fromMs: number; toMs: number; config?: DetectorConfig }): Promise<Watch> {
  let nowMs = span.fromMs;
  const runtime = detectionRuntime(server, () => nowMs, span.config);
  const latest = new Map<string, Anomaly>();
  const trips: AutoTripOutcome[] = [];
  for (; nowMs <= span.toMs; nowMs += WATCH_CYCLE_MS) {
    const cycle = await runtime.runCycle();
    // Anomalies restored from an earlier watch and resolved now are not this span's news.
    for (const change of cycle.changes) if (change.anomaly.lastSeenAt >= span.fromMs) latest.set(change.anomaly.id, change.anomaly);
    trips.push(...cycle.trips);
  }
  return { anomalies: [...latest.values()], trips };
}
