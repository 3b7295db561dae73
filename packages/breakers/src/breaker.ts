/**
 * The breaker model: a scoped switch that makes the decision path answer challenge, block or a
 * per-minute throttle instead of allow. Breakers are plain values; every change goes through the
 * state machine (breaker-state-machine.ts), which bumps `version` and writes an audit entry, so a
 * stored breaker, its audit trail and a webhook about it always agree.
 *
 * Times are epoch milliseconds on the caller's clock (event time in replays, wall time live).
 */
import type { Scope } from '@tollgate/vocabulary';

/** What an open breaker does to covered traffic. A throttle lets `perMinute` sends a minute through, then blocks. */
export type BreakerAction = { kind: 'block' } | { kind: 'challenge' } | { kind: 'throttle'; perMinute: number };

/** `shadow` records what the breaker would have done and changes no decision: a policy's trial run. */
export type BreakerMode = 'enforce' | 'shadow';

/**
 * closed: no effect. open: acts on all covered traffic until its cooldown ends. half_open: lets
 * `probeShare` of covered traffic through so the conversion of that sample can tell whether the
 * attack is over.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** Why the breaker was (last) tripped: a detector finding, or a person who must be named. */
export type BreakerReason = { kind: 'anomaly'; anomalyId: string } | { kind: 'manual'; actor: string; note: string };

export interface Breaker {
  id: string;
  /** Bumped by every accepted change; writers pass the version they read (optimistic concurrency). */
  version: number;
  scope: Scope;
  action: BreakerAction;
  mode: BreakerMode;
  state: BreakerState;
  reason: BreakerReason;
  createdAt: number;
  updatedAt: number;
  /** When the breaker last went to open (trip or failed probe); null once closed. */
  openedAt: number | null;
  /** When an open breaker is due to half-open: `openedAt` plus the escalated cooldown; null unless open. */
  halfOpenAt: number | null;
  /** When the breaker closes by itself whatever its probes say; null means only a person or a healthy probe closes it. */
  expiresAt: number | null;
  /** How long the breaker stays open before its first probe; each failed probe doubles the wait (see `reopenCount`). */
  cooldownMs: number;
  /** Share of covered traffic (0..1) let through while half_open. */
  probeShare: number;
  /** Failed probes since the last trip: the cooldown escalates with it and resets when the breaker closes. */
  reopenCount: number;
}
