/**
 * Turns each step's findings into anomaly changes: open a new one, update a running one (severity
 * and suggested action only ever escalate while it is open, so a breaker is not flapped by a
 * borderline minute), resolve one whose signal has been quiet long enough.
 */
import { anomalyId, anomalyKey, strongerAction, strongerSeverity, type Anomaly } from './anomaly.ts';
import type { Finding } from './finding.ts';

export type AnomalyChange =
  | { change: 'opened'; anomaly: Anomaly }
  | { change: 'escalated'; anomaly: Anomaly; from: Pick<Anomaly, 'severity' | 'action'> }
  | { change: 'updated'; anomaly: Anomaly }
  | { change: 'resolved'; anomaly: Anomaly };

export interface AnomalyLifecycle {
  /** Open anomalies to continue (after a restart). */
  restore(open: readonly Anomaly[]): void;
  apply(nowMs: number, findings: readonly Finding[]): AnomalyChange[];
  open(): Anomaly[];
}

export function createAnomalyLifecycle(options: { resolveAfterQuietMs: number }): AnomalyLifecycle {
  const open = new Map<string, Anomaly>();
  return {
    restore(anomalies) {
      for (const anomaly of anomalies) if (anomaly.state === 'open') open.set(anomaly.key, anomaly);
    },
    apply(nowMs, findings) {
      const changes: AnomalyChange[] = [];
      const seen = new Set<string>();
      for (const finding of findings) {
        const key = anomalyKey(finding);
        if (seen.has(key)) continue;
        seen.add(key);
        const running = open.get(key);
        if (!running) {
          const anomaly: Anomaly = {
            ...finding,
            id: anomalyId(key, nowMs),
            key,
            state: 'open',
            openedAt: nowMs,
            updatedAt: nowMs,
            lastSeenAt: nowMs,
            series: [],
          };
          open.set(key, anomaly);
          changes.push({ change: 'opened', anomaly });
          continue;
        }
        const severity = strongerSeverity(running.severity, finding.severity);
        const action = strongerAction(running.action, finding.action);
        const updated: Anomaly = { ...running, ...finding, severity, action, updatedAt: nowMs, lastSeenAt: nowMs };
        open.set(key, updated);
        changes.push(
          severity !== running.severity || action !== running.action
            ? { change: 'escalated', anomaly: updated, from: { severity: running.severity, action: running.action } }
            : { change: 'updated', anomaly: updated },
        );
      }
      for (const [key, anomaly] of open) {
        if (seen.has(key) || nowMs - anomaly.lastSeenAt < options.resolveAfterQuietMs) continue;
        const resolved: Anomaly = { ...anomaly, state: 'resolved', updatedAt: nowMs, resolvedAt: nowMs };
        open.delete(key);
        changes.push({ change: 'resolved', anomaly: resolved });
      }
      return changes;
    },
    open: () => [...open.values()],
  };
}
