import type { BreakerEvent } from './breaker-event.ts';
import type { BreakerState } from './breaker.ts';

/** Actors for changes no person made; people are named by the operator API's authenticated identity. */
export const SYSTEM_ACTORS = {
  /** A detector anomaly tripped the breaker through a policy rule. */
  autoTrip: 'tollgate:auto-trip',
  /** Cooldown or expiry elapsed. */
  clock: 'tollgate:clock',
  /** The half-open sample was judged. */
  probe: 'tollgate:probe',
} as const;

/**
 * One accepted change: who did what, why, and the versions around it. The store appends these
 * unchanged, and webhooks carry them, so the trail can be read without the breaker itself.
 */
export interface BreakerAuditEntry {
  breakerId: string;
  /** The breaker's version after the change (the first entry of a breaker has version 1). */
  version: number;
  at: number;
  event: 'create' | BreakerEvent['type'];
  /** null for `create`: the breaker did not exist before. */
  fromState: BreakerState | null;
  toState: BreakerState;
  actor: string;
  /** A sentence for people: the note, the anomaly, the probe's conversion, the new expiry. */
  why: string;
}
