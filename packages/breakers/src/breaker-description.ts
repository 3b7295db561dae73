import { SCOPE_KEYS, type BreakerAction, type BreakerReason, type Scope } from './breaker.ts';

/** "app=shop prefix=+44 740": a scope as people read it in audit entries, reasons and pages. */
export function describeScope(scope: Scope): string {
  const parts = SCOPE_KEYS.filter((key) => scope[key] !== undefined).map((key) => `${key}=${scope[key]}`);
  return parts.length === 0 ? 'all traffic' : parts.join(' ');
}

export function describeReason(reason: BreakerReason): string {
  return reason.kind === 'anomaly' ? `anomaly ${reason.anomalyId}` : `manual by ${reason.actor}: ${reason.note}`;
}

export function describeAction(action: BreakerAction): string {
  return action.kind === 'throttle' ? `throttle to ${action.perMinute}/min` : action.kind;
}
