/**
 * Wires the detector into the server: a node-cron schedule runs a detection cycle, and every
 * anomaly that opens or escalates with a suggested block or challenge is offered to the breaker
 * policy's auto-trip rules, behind the blast-radius guard.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { guardAutoTrip, proposeAutoTrip, type BreakerPolicy, type BreakerRegistry } from '@tollgate/breakers';
import { createLiveDetector, type Anomaly, type AnomalyChange, type DetectorConfig, type LiveDetector } from '@tollgate/detector';
import type { Store } from '@tollgate/store';

/** Every 20 seconds: a new minute is stepped at most 20 s after it completes. */
export const DETECTION_SCHEDULE = '*/20 * * * * *';
/** The guard's "recent legitimate traffic": the last hour. */
const BLAST_RADIUS_WINDOW_MS = 3_600_000;

export type AutoTripOutcome =
  | { anomalyId: string; outcome: 'tripped'; breakerId: string }
  | { anomalyId: string; outcome: 'paged'; reason: string }
  | { anomalyId: string; outcome: 'skipped'; reason: string };

export interface DetectionRuntime {
  detector: LiveDetector;
  /** One cycle now: detection, then auto-trip for what changed. */
  runCycle(): Promise<{ changes: AnomalyChange[]; trips: AutoTripOutcome[] }>;
  start(): void;
  stop(): Promise<void>;
}

export function createDetectionRuntime(deps: {
  store: Store;
  registry: BreakerRegistry;
  policy?: BreakerPolicy;
  config?: DetectorConfig;
  /** Event time of the detection cycle (the last complete minute is stepped). */
  clock?: () => number;
  /** Wall time of breakers (their cooldown and expiry), the registry's own clock. */
  breakerClock?: () => number;
  onError: (error: unknown) => void;
  onTrip?: (outcome: AutoTripOutcome) => void;
  /** Hears each cycle's changes before auto-trip acts on them (alert routing opens incidents first, so a trip finds its incident). */
  onChanges?: (changes: readonly AnomalyChange[]) => Promise<unknown>;
}): DetectionRuntime {
  const clock = deps.clock ?? Date.now;
  const detector = createLiveDetector({ store: deps.store, clock, config: deps.config });
  let task: ScheduledTask | undefined;
  let running: Promise<unknown> | undefined;

  async function autoTrip(anomaly: Anomaly): Promise<AutoTripOutcome> {
    const skip = (reason: string): AutoTripOutcome => ({ anomalyId: anomaly.id, outcome: 'skipped', reason });
    if (!deps.policy) return skip('no breaker policy loaded');
    // The detector's own judgement comes first: an alert (a campaign, an outage) never trips.
    if (anomaly.action === 'alert') return skip(`the detector suggests only an alert for ${anomaly.kind}`);
    if (deps.registry.list().some((b) => b.state !== 'closed' && b.reason.kind === 'anomaly' && b.reason.anomalyId === anomaly.id)) {
      return skip('a breaker for this anomaly is already open');
    }
    const now = (deps.breakerClock ?? Date.now)();
    const match = proposeAutoTrip(
      deps.policy,
      { id: anomaly.id, kind: anomaly.kind, severity: anomaly.severity, scope: anomaly.scope },
      now,
    );
    if (match.action === 'none') return skip(match.reason);
    const share = detector.engine.legitimateShare(match.proposal.spec.scope, anomaly.updatedAt - BLAST_RADIUS_WINDOW_MS, anomaly.updatedAt);
    const guard = guardAutoTrip(match.proposal, Number.isNaN(share) ? 0 : share);
    if (guard.action === 'page') return { anomalyId: anomaly.id, outcome: 'paged', reason: guard.detail };
    const transition = await deps.registry.create({ ...match.proposal.spec, id: `br_${anomaly.id.slice(3)}` });
    if (!transition.ok) return skip(transition.error.message);
    return { anomalyId: anomaly.id, outcome: 'tripped', breakerId: transition.breaker.id };
  }

  async function runCycle() {
    const changes = await detector.runCycle();
    if (changes.length > 0) await deps.onChanges?.(changes);
    const trips: AutoTripOutcome[] = [];
    for (const change of changes) {
      if (change.change !== 'opened' && change.change !== 'escalated') continue;
      const outcome = await autoTrip(change.anomaly);
      trips.push(outcome);
      deps.onTrip?.(outcome);
    }
    return { changes, trips };
  }

  return {
    detector,
    runCycle,
    start() {
      task = cron.schedule(DETECTION_SCHEDULE, () => {
        // A slow cycle is not stacked on: the next tick finds it still running and waits its turn.
        if (running) return;
        running = runCycle()
          .catch(deps.onError)
          .finally(() => {
            running = undefined;
          });
      });
    },
    async stop() {
      await task?.stop();
      await running;
    },
  };
}
