/**
 * Detection over stored history, in event time: what the demo runs over its backfill so a newcomer
 * sees the past day's attacks as incidents at once (opened and resolved when they happened, with
 * their spend), instead of "0 incidents" beside obvious pumping. Nobody is paged for history: the
 * replay's incident desk is never ticked, which is where notifications go out. Breakers are not
 * tripped either: one tripped for an attack of yesterday would block traffic now.
 */
import { alertOf, createIncidentDesk, type AlertingConfig, type NotificationOutbox } from '@tollgate/alerting';
import { createLiveDetector, type DetectorConfig } from '@tollgate/detector';
import type { Store } from '@tollgate/store';

/** The live detector steps at most 30 minutes a cycle: the replay's cycles are that far apart. */
const REPLAY_CYCLE_MS = 30 * 60_000;

export interface ReplayOutcome {
  cycles: number;
  anomalies: number;
  incidents: number;
}

/** The live alert routing the replay borrows: its rules and outbox, and its desk to start once history is in. */
export interface ReplayAlerting {
  rules(): AlertingConfig | undefined;
  outbox: NotificationOutbox;
  desk: { start(): Promise<void> };
}

export async function replayDetection(deps: {
  store: Store;
  alerting: ReplayAlerting;
  config: DetectorConfig;
  fromMs: number;
  toMs: number;
}): Promise<ReplayOutcome> {
  let nowMs = deps.fromMs;
  const clock = () => nowMs;
  const detector = createLiveDetector({ store: deps.store, clock, config: deps.config });
  const desk = createIncidentDesk({
    store: deps.store,
    clock,
    rules: () => deps.alerting.rules(),
    silences: () => [],
    outbox: deps.alerting.outbox,
  });
  const anomalies = new Set<string>();
  const incidents = new Set<string>();
  let cycles = 0;
  for (; nowMs <= deps.toMs; nowMs += REPLAY_CYCLE_MS, cycles += 1) {
    const changes = await detector.runCycle();
    for (const change of changes) anomalies.add(change.anomaly.id);
    for (const outcome of await desk.observe(changes.map((change) => alertOf(change.anomaly))))
      if (outcome.incidentId) incidents.add(outcome.incidentId);
  }
  // Incidents still open at the end are the live desk's from now on: it pages their owners.
  await deps.alerting.desk.start();
  return { cycles, anomalies: anomalies.size, incidents: incidents.size };
}
