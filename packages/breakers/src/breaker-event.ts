import type { BreakerReason } from './breaker.ts';

/**
 * What can happen to a breaker. Each event may carry the version its sender read: a change
 * computed from a stale read is refused with TG_BREAKER_VERSION_CONFLICT instead of overwriting a
 * newer one (two operators, or an operator and the auto-trip, acting on the same breaker).
 */
export type BreakerEvent = TripEvent | ResetEvent | ExtendEvent | ExpireEvent | ProbeResultEvent;

interface Versioned {
  expectedVersion?: number;
}

/** Open a closed breaker again, or re-open a probing one because the attack is still on. */
export interface TripEvent extends Versioned {
  type: 'trip';
  reason: BreakerReason;
  expiresAt: number | null;
}

/** A person closes the breaker whatever its state of probing. */
export interface ResetEvent extends Versioned {
  type: 'reset';
  actor: string;
  note: string;
}

/** A person moves the expiry (later, sooner, or null for none) of a breaker that is not closed. */
export interface ExtendEvent extends Versioned {
  type: 'extend';
  actor: string;
  note: string;
  expiresAt: number | null;
}

/** Time passed: an open breaker past its cooldown half-opens, any breaker past its expiry closes. */
export interface ExpireEvent extends Versioned {
  type: 'expire';
}

/**
 * The verdict on the traffic let through while half_open. The caller judges health (it knows the
 * baseline conversion); `conversion` and `sends` are kept so the audit says what was seen.
 */
export interface ProbeResultEvent extends Versioned {
  type: 'probe_result';
  healthy: boolean;
  conversion: number;
  sends: number;
}
