import { formatDuration } from '@tollgate/vocabulary';
import type { AlertInput } from './alert-input.ts';
import type { RouteTimings } from './rules-config.ts';

/** What has been sent for one group (one route group key) so far. */
export interface GroupState {
  firstAlertAt: number;
  lastNotifiedAt?: number;
  /** The group's fingerprint at the last notification: a different one now means news. */
  notifiedFingerprint?: string;
}

export type NotificationPlan =
  | { action: 'notify'; reason: string }
  | { action: 'repeat'; reason: string }
  | { action: 'wait'; untilMs: number; reason: string }
  | { action: 'done'; reason: string };

/**
 * Alertmanager's group timing as a pure decision: the first notification waits `group_wait` so
 * alerts that fire together go out together; news to an already notified group waits until
 * `group_interval` after the last notification; an unchanged open group is reminded every
 * `repeat_interval`; a group whose resolution was sent needs nothing more.
 */
export function planNotification(input: {
  group: GroupState;
  fingerprint: string;
  allResolved: boolean;
  timings: RouteTimings;
  nowMs: number;
}): NotificationPlan {
  const { group, fingerprint, allResolved, timings, nowMs } = input;
  const due = (atMs: number, action: 'notify' | 'repeat', why: string, waitWhy: string): NotificationPlan =>
    nowMs >= atMs ? { action, reason: why } : { action: 'wait', untilMs: atMs, reason: waitWhy };
  if (group.lastNotifiedAt === undefined) {
    const wait = formatDuration(timings.groupWaitMs);
    return due(
      group.firstAlertAt + timings.groupWaitMs,
      'notify',
      `group_wait ${wait} has passed since the first alert`,
      `group_wait ${wait} collects alerts that fire together`,
    );
  }
  if (fingerprint !== group.notifiedFingerprint) {
    const interval = formatDuration(timings.groupIntervalMs);
    return due(
      group.lastNotifiedAt + timings.groupIntervalMs,
      'notify',
      `the group changed and group_interval ${interval} has passed`,
      `the group changed; group_interval ${interval} spaces notifications`,
    );
  }
  if (allResolved) return { action: 'done', reason: 'the resolution was sent' };
  const repeat = formatDuration(timings.repeatIntervalMs);
  return due(
    group.lastNotifiedAt + timings.repeatIntervalMs,
    'repeat',
    `still open after repeat_interval ${repeat}`,
    `unchanged since the last notification; reminded after repeat_interval ${repeat}`,
  );
}

/** Identifies what a group holds: its alerts, their states and severities, in a stable order. */
export function groupFingerprint(alerts: ReadonlyArray<Pick<AlertInput, 'id' | 'state' | 'severity'>>): string {
  return alerts
    .map((alert) => `${alert.id}:${alert.state}:${alert.severity}`)
    .sort()
    .join('|');
}
