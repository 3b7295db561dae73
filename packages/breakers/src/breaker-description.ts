import type { BreakerAction, BreakerReason } from './breaker.ts';

export function describeReason(reason: BreakerReason): string {
  return reason.kind === 'anomaly' ? `anomaly ${reason.anomalyId}` : `manual by ${reason.actor}: ${reason.note}`;
}

export function describeAction(action: BreakerAction): string {
  return action.kind === 'throttle' ? `throttle to ${action.perMinute}/min` : action.kind;
}
