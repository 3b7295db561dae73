/**
 * The live detector: every cycle it re-reads the minutes that can still change, steps the engine
 * to the last complete minute and stores what changed. Open anomalies survive a restart: they are
 * read back at warm-up and continue under the same ids.
 */
import { listAnomalies, plannedEventsBetween, saveAnomalies, type Store } from '@tollgate/store';
import { fromPlannedEventRecord } from './planned-event.ts';
import type { Anomaly } from './anomaly.ts';
import type { AnomalyChange } from './anomaly-lifecycle.ts';
import { fromAnomalyRecord, toAnomalyRecord } from './anomaly-record.ts';
import { createDetectionEngine, HISTORY_MS, MUTABLE_MS, type DetectionEngine } from './detection-engine.ts';
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './detector-config.ts';
import { ipContributors, loadHours, loadMinutes, newAddresses, readsIpContributors } from './engine-feed.ts';
import type { Contributor } from './finding.ts';
import { hourStart, MS_PER_HOUR, MS_PER_MINUTE } from './traffic-book.ts';

/** A cycle after a long pause steps at most this many minutes; older ones are history, not news. */
const MAX_CATCH_UP_STEPS = 30;
/** A running anomaly is rewritten at most this often unless its severity or action changes. */
const PERSIST_EVERY_MS = 5 * MS_PER_MINUTE;
/** Open anomalies read back at start. */
const MAX_RESTORED = 10_000;

export interface LiveDetector {
  /** Runs one cycle at the clock's time; returns the anomaly changes it stored. */
  runCycle(): Promise<AnomalyChange[]>;
  readonly engine: DetectionEngine;
}

export function createLiveDetector(deps: { store: Store; clock: () => number; config?: DetectorConfig }): LiveDetector {
  const config = deps.config ?? DEFAULT_DETECTOR_CONFIG;
  const engine = createDetectionEngine(config);
  const persistedAt = new Map<string, number>();
  /**
   * The addresses read from the raw sends when each open anomaly opened or last escalated. The
   * engine's later findings for it name none, so every record of the anomaly takes them from here
   * rather than losing them at its first update.
   */
  const addressesOf = new Map<string, Contributor[]>();
  let lastStepMs: number | undefined;
  const lookbackMs = Math.max(config.blockWindowMs, config.verifyWindowMs);

  async function warm(nowMs: number): Promise<void> {
    const until = hourStart(nowMs - MUTABLE_MS) - MS_PER_HOUR;
    await loadHours(deps.store, engine, until - HISTORY_MS, until);
    // The mutable minutes after this are read by every cycle, the first one included.
    await loadMinutes(deps.store, engine, until, nowMs - MUTABLE_MS, lookbackMs);
    const open = await listAnomalies(deps.store, { state: 'open', limit: MAX_RESTORED });
    const restored = open.map(fromAnomalyRecord);
    engine.lifecycle.restore(restored);
    for (const anomaly of restored) {
      if (readsIpContributors(anomaly.kind))
        addressesOf.set(
          anomaly.id,
          anomaly.contributors.filter((c) => c.dimension === 'ip'),
        );
    }
  }

  /** The anomaly's own contributors (a farm's addresses among them) and the addresses last read for it. */
  function withAddresses(anomaly: Anomaly): Contributor[] {
    const addresses = addressesOf.get(anomaly.id);
    if (addresses === undefined) return anomaly.contributors;
    return [...anomaly.contributors, ...newAddresses(anomaly.contributors, addresses)];
  }

  return {
    engine,
    async runCycle() {
      const nowMs = Math.floor(deps.clock() / MS_PER_MINUTE) * MS_PER_MINUTE;
      if (lastStepMs === undefined) {
        await warm(nowMs);
        lastStepMs = nowMs - MS_PER_MINUTE;
      }
      if (nowMs <= lastStepMs) return [];
      await loadMinutes(deps.store, engine, nowMs - MUTABLE_MS, nowMs, lookbackMs);
      engine.setPlannedEvents(
        (await plannedEventsBetween(deps.store, nowMs - MAX_CATCH_UP_STEPS * MS_PER_MINUTE, nowMs + MS_PER_MINUTE)).map(
          fromPlannedEventRecord,
        ),
      );
      const changes: AnomalyChange[] = [];
      const firstStep = Math.max(lastStepMs + MS_PER_MINUTE, nowMs - (MAX_CATCH_UP_STEPS - 1) * MS_PER_MINUTE);
      for (let step = firstStep; step <= nowMs; step += MS_PER_MINUTE) changes.push(...engine.step(step).changes);
      lastStepMs = nowMs;
      const toStore = changes.filter((c) => c.change !== 'updated' || nowMs - (persistedAt.get(c.anomaly.id) ?? 0) >= PERSIST_EVERY_MS);
      // A catch-up over several minutes may change one anomaly more than once: its last state is stored.
      const latest = new Map(toStore.map((c) => [c.anomaly.id, c]));
      for (const c of latest.values()) {
        if ((c.change === 'opened' || c.change === 'escalated') && readsIpContributors(c.anomaly.kind))
          addressesOf.set(c.anomaly.id, await ipContributors(deps.store, c.anomaly));
        c.anomaly.contributors = withAddresses(c.anomaly);
      }
      const records = [...latest.values()].map((c) => {
        if (c.change === 'resolved') {
          persistedAt.delete(c.anomaly.id);
          addressesOf.delete(c.anomaly.id);
        } else persistedAt.set(c.anomaly.id, nowMs);
        return toAnomalyRecord({ ...c.anomaly, series: engine.evidence(c.anomaly) });
      });
      await saveAnomalies(deps.store, records);
      return toStore;
    },
  };
}
