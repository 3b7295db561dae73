/**
 * The measures the detector reads for one scope over some span of event time. Sessions add up
 * across scopes because a session belongs to exactly one scope of the rollup.
 */
export interface Counters {
  sends: number;
  failedSends: number;
  sessions: number;
  verifiedSessions: number;
  verifyAttempts: number;
  verifyFailures: number;
  costEstUsd: number;
  costBilledUsd: number;
  billedMessages: number;
  receiptsDelivered: number;
  receiptsFailed: number;
}

export function zeroCounters(): Counters {
  return {
    sends: 0,
    failedSends: 0,
    sessions: 0,
    verifiedSessions: 0,
    verifyAttempts: 0,
    verifyFailures: 0,
    costEstUsd: 0,
    costBilledUsd: 0,
    billedMessages: 0,
    receiptsDelivered: 0,
    receiptsFailed: 0,
  };
}

/** Sets every counter of `c` back to zero, for a sum read into the same object at every step. */
export function clearCounters(c: Counters): Counters {
  c.sends = 0;
  c.failedSends = 0;
  c.sessions = 0;
  c.verifiedSessions = 0;
  c.verifyAttempts = 0;
  c.verifyFailures = 0;
  c.costEstUsd = 0;
  c.costBilledUsd = 0;
  c.billedMessages = 0;
  c.receiptsDelivered = 0;
  c.receiptsFailed = 0;
  return c;
}

/** Adds `source` times `sign` into `target` (sign -1 takes a replaced minute back out). */
export function addCounters(target: Counters, source: Counters, sign: 1 | -1 = 1): Counters {
  target.sends += sign * source.sends;
  target.failedSends += sign * source.failedSends;
  target.sessions += sign * source.sessions;
  target.verifiedSessions += sign * source.verifiedSessions;
  target.verifyAttempts += sign * source.verifyAttempts;
  target.verifyFailures += sign * source.verifyFailures;
  target.costEstUsd += sign * source.costEstUsd;
  target.costBilledUsd += sign * source.costBilledUsd;
  target.billedMessages += sign * source.billedMessages;
  target.receiptsDelivered += sign * source.receiptsDelivered;
  target.receiptsFailed += sign * source.receiptsFailed;
  return target;
}

/** The counters a conversion is worked out from. */
export type SessionCounts = Pick<Counters, 'sessions' | 'verifiedSessions' | 'failedSends' | 'receiptsFailed'>;

/**
 * Sessions whose code could have been read: sends the provider refused and messages reported
 * undelivered cannot convert, so a provider outage does not look like a conversion collapse.
 */
export function reachableSessions(c: SessionCounts): number {
  return Math.max(c.verifiedSessions, c.sessions - c.failedSends - c.receiptsFailed);
}

/** Estimated cost of one send in this span, 0 when nothing was sent. */
export function costPerSendUsd(c: Counters): number {
  return c.sends > 0 ? c.costEstUsd / c.sends : 0;
}
