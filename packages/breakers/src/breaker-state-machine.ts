import { SYSTEM_ACTORS, type BreakerAuditEntry } from './breaker-audit.ts';
import type { BreakerEvent, ExtendEvent, ProbeResultEvent, ResetEvent, TripEvent } from './breaker-event.ts';
import { describeAction, describeReason } from './breaker-description.ts';
import { checkScope, describeScope, formatDuration, type Scope } from '@tollgate/vocabulary';
import type { Breaker, BreakerAction, BreakerMode, BreakerReason, BreakerState } from './breaker.ts';
import type { BreakersError } from './breakers-error.ts';

/** The outcome of a change: the new breaker and its audit entry, or why nothing changed. */
export type Transition = { ok: true; breaker: Breaker; audit: BreakerAuditEntry } | { ok: false; error: BreakersError };

/** What a person or a policy rule chooses when a breaker is first tripped. */
export interface BreakerSpec {
  id: string;
  scope: Scope;
  action: BreakerAction;
  mode: BreakerMode;
  reason: BreakerReason;
  cooldownMs: number;
  probeShare: number;
  expiresAt: number | null;
}

/**
 * A cooldown under a second would half-open before a single verify could come back; the decision
 * path works in whole seconds (retry_after_s), so nothing shorter is observable anyway.
 */
export const MIN_COOLDOWN_MS = 1_000;
/**
 * Failed probes double the cooldown (the exponential backoff of the resend ladder,
 * 30 s -> 60 s -> 120 s) up to a day: a breaker that fails probes for longer needs a person,
 * not a longer wait.
 */
export const COOLDOWN_ESCALATION_FACTOR = 2;
export const MAX_ESCALATED_COOLDOWN_MS = 24 * 60 * 60 * 1_000;

/** The version of a breaker before its creation, which is its first change: stored breakers start at 1. */
const UNSAVED_VERSION = 0;

/** A new breaker, open from `nowMs`. Its audit entry is the first of its trail. */
export function createBreaker(spec: BreakerSpec, nowMs: number): Transition {
  const invalid =
    (spec.id === '' ? setting('id is empty (the store keys breakers by id)') : undefined) ??
    checkScope(spec.scope) ??
    checkAction(spec.action) ??
    checkReason(spec.reason) ??
    checkCooldown(spec.cooldownMs) ??
    checkProbeShare(spec.probeShare) ??
    checkExpiry(spec.expiresAt, nowMs);
  if (invalid !== undefined) return { ok: false, error: invalid };
  const breaker: Breaker = {
    id: spec.id,
    version: UNSAVED_VERSION,
    scope: { ...spec.scope },
    action: spec.action,
    mode: spec.mode,
    state: 'open',
    reason: spec.reason,
    createdAt: nowMs,
    updatedAt: nowMs,
    openedAt: nowMs,
    halfOpenAt: nowMs + spec.cooldownMs,
    expiresAt: spec.expiresAt,
    cooldownMs: spec.cooldownMs,
    probeShare: spec.probeShare,
    reopenCount: 0,
  };
  const why = `${describeAction(breaker.action)} ${describeScope(breaker.scope)} (${breaker.mode}): ${describeReason(breaker.reason)}`;
  return accepted(breaker, { event: 'create', fromState: null, actor: actorOf(breaker.reason), why });
}

/**
 * Applies one event. Pure: the same breaker, event and time always give the same answer, and a
 * refused event (stale version, wrong state, bad input) returns an error and changes nothing.
 */
export function transition(breaker: Breaker, event: BreakerEvent, nowMs: number): Transition {
  if (event.expectedVersion !== undefined && event.expectedVersion !== breaker.version) {
    return refuse(
      'TG_BREAKER_VERSION_CONFLICT',
      `breaker ${breaker.id} is at version ${breaker.version}, not ${event.expectedVersion}: read it again and retry`,
    );
  }
  switch (event.type) {
    case 'trip':
      return trip(breaker, event, nowMs);
    case 'reset':
      return reset(breaker, event, nowMs);
    case 'extend':
      return extend(breaker, event, nowMs);
    case 'expire':
      return expire(breaker, nowMs);
    case 'probe_result':
      return probeResult(breaker, event, nowMs);
  }
}

/**
 * The state the breaker is in at `nowMs` even if no `expire` event has been applied yet: the
 * decision path must not keep blocking because the scheduler that applies expiries is late.
 */
export function effectiveState(breaker: Breaker, nowMs: number): BreakerState {
  if (breaker.state === 'closed') return 'closed';
  if (breaker.expiresAt !== null && nowMs >= breaker.expiresAt) return 'closed';
  if (breaker.state === 'open' && breaker.halfOpenAt !== null && nowMs >= breaker.halfOpenAt) return 'half_open';
  return breaker.state;
}

/** When an `expire` event will next change this breaker (null: only people or probes can). */
export function nextDueAt(breaker: Breaker): number | null {
  if (breaker.state === 'closed') return null;
  const due = breaker.state === 'open' ? [breaker.halfOpenAt, breaker.expiresAt] : [breaker.expiresAt];
  const times = due.filter((time): time is number => time !== null);
  return times.length === 0 ? null : Math.min(...times);
}

/** The cooldown after `reopenCount` failed probes. */
export function escalatedCooldownMs(cooldownMs: number, reopenCount: number): number {
  return Math.min(cooldownMs * COOLDOWN_ESCALATION_FACTOR ** reopenCount, Math.max(cooldownMs, MAX_ESCALATED_COOLDOWN_MS));
}

function trip(breaker: Breaker, event: TripEvent, nowMs: number): Transition {
  if (breaker.state === 'open') {
    return refuse('TG_BREAKER_INVALID_TRANSITION', `breaker ${breaker.id} is already open: extend it to change its expiry`);
  }
  const invalid = checkReason(event.reason) ?? checkExpiry(event.expiresAt, nowMs);
  if (invalid !== undefined) return { ok: false, error: invalid };
  // Tripped while probing means the attack is still on: escalate as a failed probe would.
  const reopenCount = breaker.state === 'half_open' ? breaker.reopenCount + 1 : 0;
  const next = openAt(breaker, nowMs, reopenCount);
  next.reason = event.reason;
  next.expiresAt = event.expiresAt;
  return accepted(next, {
    event: 'trip',
    fromState: breaker.state,
    actor: actorOf(event.reason),
    why: `${describeReason(event.reason)}; ${describeExpiry(event.expiresAt)}`,
  });
}

function reset(breaker: Breaker, event: ResetEvent, nowMs: number): Transition {
  if (breaker.state === 'closed') {
    return refuse('TG_BREAKER_INVALID_TRANSITION', `breaker ${breaker.id} is already closed`);
  }
  const invalid = checkPerson(event.actor, event.note);
  if (invalid !== undefined) return { ok: false, error: invalid };
  return accepted(closedAt(breaker, nowMs), { event: 'reset', fromState: breaker.state, actor: event.actor, why: event.note });
}

function extend(breaker: Breaker, event: ExtendEvent, nowMs: number): Transition {
  if (breaker.state === 'closed') {
    return refuse('TG_BREAKER_INVALID_TRANSITION', `breaker ${breaker.id} is closed: trip it instead of extending it`);
  }
  const invalid = checkPerson(event.actor, event.note) ?? checkExpiry(event.expiresAt, nowMs);
  if (invalid !== undefined) return { ok: false, error: invalid };
  const next: Breaker = { ...breaker, expiresAt: event.expiresAt, updatedAt: nowMs };
  return accepted(next, {
    event: 'extend',
    fromState: breaker.state,
    actor: event.actor,
    why: `${event.note}; ${describeExpiry(event.expiresAt)}`,
  });
}

function expire(breaker: Breaker, nowMs: number): Transition {
  const due = effectiveState(breaker, nowMs);
  if (due === breaker.state) {
    const next = nextDueAt(breaker);
    const when = next === null ? 'nothing is scheduled' : `next change at ${new Date(next).toISOString()}`;
    return refuse('TG_BREAKER_NOT_DUE', `breaker ${breaker.id} is ${breaker.state} and not due: ${when}`);
  }
  if (due === 'closed') {
    return accepted(closedAt(breaker, nowMs), {
      event: 'expire',
      fromState: breaker.state,
      actor: SYSTEM_ACTORS.clock,
      why: `expired at ${new Date(breaker.expiresAt ?? nowMs).toISOString()}`,
    });
  }
  return accepted(
    { ...breaker, state: 'half_open', halfOpenAt: null, updatedAt: nowMs },
    {
      event: 'expire',
      fromState: breaker.state,
      actor: SYSTEM_ACTORS.clock,
      why: `cooldown of ${formatDuration(escalatedCooldownMs(breaker.cooldownMs, breaker.reopenCount))} over: letting ${breaker.probeShare} of traffic through as a probe`,
    },
  );
}

function probeResult(breaker: Breaker, event: ProbeResultEvent, nowMs: number): Transition {
  if (breaker.state !== 'half_open') {
    return refuse(
      'TG_BREAKER_INVALID_TRANSITION',
      `breaker ${breaker.id} is ${breaker.state}: probe results apply to half_open breakers only`,
    );
  }
  if (!(event.conversion >= 0 && event.conversion <= 1) || !(Number.isInteger(event.sends) && event.sends >= 0)) {
    return refuse('TG_BREAKER_SETTING_INVALID', 'probe conversion must be within 0..1 and sends a non-negative integer');
  }
  const seen = `probe conversion ${event.conversion} over ${event.sends} sends`;
  if (event.healthy) {
    return accepted(closedAt(breaker, nowMs), {
      event: 'probe_result',
      fromState: 'half_open',
      actor: SYSTEM_ACTORS.probe,
      why: `${seen}: healthy`,
    });
  }
  const next = openAt(breaker, nowMs, breaker.reopenCount + 1);
  return accepted(next, {
    event: 'probe_result',
    fromState: 'half_open',
    actor: SYSTEM_ACTORS.probe,
    why: `${seen}: still unhealthy, open for ${formatDuration(escalatedCooldownMs(next.cooldownMs, next.reopenCount))}`,
  });
}

function openAt(breaker: Breaker, nowMs: number, reopenCount: number): Breaker {
  return {
    ...breaker,
    state: 'open',
    openedAt: nowMs,
    halfOpenAt: nowMs + escalatedCooldownMs(breaker.cooldownMs, reopenCount),
    reopenCount,
    updatedAt: nowMs,
  };
}

function closedAt(breaker: Breaker, nowMs: number): Breaker {
  return { ...breaker, state: 'closed', openedAt: null, halfOpenAt: null, reopenCount: 0, updatedAt: nowMs };
}

function accepted(next: Breaker, entry: Pick<BreakerAuditEntry, 'event' | 'fromState' | 'actor' | 'why'>): Transition {
  const breaker = { ...next, version: next.version + 1 };
  return {
    ok: true,
    breaker,
    audit: { breakerId: breaker.id, version: breaker.version, at: breaker.updatedAt, toState: breaker.state, ...entry },
  };
}

function refuse(code: BreakersError['code'], message: string): Transition {
  return { ok: false, error: { code, message } };
}

function setting(message: string): BreakersError {
  return { code: 'TG_BREAKER_SETTING_INVALID', message };
}

function checkAction(action: BreakerAction): BreakersError | undefined {
  if (action.kind !== 'throttle') return undefined;
  if (Number.isInteger(action.perMinute) && action.perMinute > 0) return undefined;
  return setting(`throttle perMinute must be a positive integer, got ${action.perMinute} (use block to stop all sends)`);
}

function checkReason(reason: BreakerReason): BreakersError | undefined {
  if (reason.kind === 'anomaly') return reason.anomalyId === '' ? setting('reason anomalyId is empty') : undefined;
  return checkPerson(reason.actor, reason.note);
}

function checkPerson(actor: string, note: string): BreakersError | undefined {
  if (actor.trim() === '') return setting('actor is empty: manual changes must name who made them');
  if (note.trim() === '') return setting('note is empty: say why, for whoever reads the audit trail next');
  return undefined;
}

function checkCooldown(cooldownMs: number): BreakersError | undefined {
  if (Number.isInteger(cooldownMs) && cooldownMs >= MIN_COOLDOWN_MS) return undefined;
  return setting(`cooldownMs must be an integer of at least ${MIN_COOLDOWN_MS}, got ${cooldownMs}`);
}

function checkProbeShare(probeShare: number): BreakersError | undefined {
  if (probeShare >= 0 && probeShare <= 1) return undefined;
  return setting(`probeShare must be within 0..1, got ${probeShare}`);
}

function checkExpiry(expiresAt: number | null, nowMs: number): BreakersError | undefined {
  if (expiresAt === null || expiresAt > nowMs) return undefined;
  return setting(`expiresAt ${expiresAt} is not in the future (now is ${nowMs}); use null for no expiry`);
}

function actorOf(reason: BreakerReason): string {
  return reason.kind === 'manual' ? reason.actor : SYSTEM_ACTORS.autoTrip;
}

function describeExpiry(expiresAt: number | null): string {
  return expiresAt === null ? 'no expiry' : `expires ${new Date(expiresAt).toISOString()}`;
}
