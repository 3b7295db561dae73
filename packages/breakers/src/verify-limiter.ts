import { createCappedMap, formatDuration, type CappedMap } from '@tollgate/vocabulary';
import { DEFAULT_MAX_KEYS_PER_TABLE, MAX_TRACKED_APPS } from './velocity-limiter.ts';
import {
  backoffMs,
  DEFAULT_VERIFY_LIMITS,
  verifyRulesFor,
  type AttemptLimit,
  type VerifyLimits,
  type VerifyRules,
} from './verify-limits.ts';

/** "May this user try a code now?", asked before the service checks it. */
export interface VerifyRequest {
  app: string;
  flow: string;
  sessionId: string;
  ip: string;
  phoneHash?: string;
}

/** A verify event as the collectors stored it: the outcome of one attempt. */
export interface VerifyOutcome {
  eventId: string;
  app: string;
  /** The flow of the session's send when the collectors knew it; the default rules apply otherwise. */
  flow?: string;
  sessionId: string;
  ip?: string;
  phoneHash?: string;
  success: boolean;
}

export type VerifyRule = 'verify_session' | 'verify_ip' | 'verify_phone';

export type LadderName = 'session' | 'ip' | 'phone';

/**
 * One change a record or an outcome made to a ladder: `count` an attempt (a session's allowed
 * attempt, a failure from an IP or on a phone), `fail` a session's reported failure (the session
 * counts the larger of its attempts and its failures, so an attempt asked about and then reported
 * failed counts once), `reset` after a success. What a node shares with the others.
 */
export interface LadderOp {
  ladder: LadderName;
  key: string;
  op: 'count' | 'fail' | 'reset';
  limit: AttemptLimit;
}

/** A ladder as the deployment holds it; `version` orders the states other nodes send. */
export interface LadderState {
  count: number;
  failures: number;
  firstMs: number;
  lastMs: number;
  lockedUntilMs: number;
  version: number;
}

export type VerifyDecision =
  { decision: 'allow' } | { decision: 'block'; rule: VerifyRule; retryAfterS: number; lockedOut: boolean; detail: string };

export interface VerifyLimiter {
  /** The answer for one more attempt now; counts nothing. */
  check(request: VerifyRequest): VerifyDecision;
  /** Counts an attempt the decision allowed, against its session; answers what it changed. */
  record(request: VerifyRequest): readonly LadderOp[];
  /**
   * Counts a reported outcome: a failure against the session, the IP and the phone, a success
   * clears the session and the phone. Answers what it changed (nothing for an event id already counted).
   */
  outcome(event: VerifyOutcome): readonly LadderOp[];
  /** Takes a ladder's state from the deployment (other nodes' attempts and outcomes), unless it is older than the one held. */
  absorb(app: string, ladder: LadderName, key: string, state: LadderState): void;
}

interface Attempts {
  count: number;
  /** A session's reported failures; it counts max(count, failures). 0 on IP and phone ladders. */
  failures: number;
  firstMs: number;
  lastMs: number;
  /** 0 when not locked. */
  lockedUntilMs: number;
  /** The deployment's version of this state when it came from there, else 0. */
  version: number;
}

interface AppAttempts {
  session: CappedMap<Attempts>;
  ip: CappedMap<Attempts>;
  phone: CappedMap<Attempts>;
}

const MS_PER_S = 1_000;

const ALLOW: VerifyDecision = { decision: 'allow' };

/**
 * Attempt ladders per session, IP and phone, in memory and per app like the send velocity limits.
 * Outcomes are deduplicated by event id: a service that retries a batch of verify events must
 * not lock its users out twice as fast.
 */
export function createVerifyLimiter(deps: { clock: () => number; limits?: VerifyLimits; maxKeysPerTable?: number }): VerifyLimiter {
  const { clock } = deps;
  const limits = deps.limits ?? DEFAULT_VERIFY_LIMITS;
  const maxKeys = deps.maxKeysPerTable ?? DEFAULT_MAX_KEYS_PER_TABLE;
  const apps = createCappedMap<AppAttempts>(MAX_TRACKED_APPS);
  const seenOutcomes = createCappedMap<true>(maxKeys);
  const rulesByFlow = new Map<string, VerifyRules>();

  function rulesOf(flow: string): VerifyRules {
    let rules = rulesByFlow.get(flow);
    if (rules === undefined) {
      rules = verifyRulesFor(limits, flow);
      // Flows are a closed set on the wire; the map stays as small as they are.
      rulesByFlow.set(flow, rules);
    }
    return rules;
  }

  function tablesOf(app: string): AppAttempts {
    return apps.upsert(app, () => ({ session: createCappedMap(maxKeys), ip: createCappedMap(maxKeys), phone: createCappedMap(maxKeys) }));
  }

  const fresh = (nowMs: number): Attempts => ({ count: 0, failures: 0, firstMs: nowMs, lastMs: nowMs, lockedUntilMs: 0, version: 0 });

  /** Applies one change; the shared script in the server does the same in Redis. */
  function apply(tables: AppAttempts, { ladder, key, op, limit }: LadderOp, nowMs: number): void {
    const table = tables[ladder];
    if (op === 'reset') {
      reset(table.get(key));
      return;
    }
    const attempts = table.upsert(key, () => fresh(nowMs));
    if (isStale(attempts, limit, nowMs)) {
      attempts.count = 0;
      attempts.failures = 0;
      attempts.firstMs = nowMs;
      attempts.lockedUntilMs = 0;
    }
    if (op === 'count') attempts.count++;
    else attempts.failures++;
    attempts.lastMs = nowMs;
    if (counted(attempts) >= limit.maxAttempts) attempts.lockedUntilMs = nowMs + limit.lockoutMs;
  }

  function applyAll(app: string, ops: readonly LadderOp[]): readonly LadderOp[] {
    if (ops.length === 0) return ops;
    const tables = tablesOf(app);
    const nowMs = clock();
    for (const op of ops) apply(tables, op, nowMs);
    return ops;
  }

  return {
    check(request) {
      const nowMs = clock();
      const rules = rulesOf(request.flow);
      const tables = apps.get(request.app);
      if (tables === undefined) return ALLOW;
      let worst = wait('verify_session', 'this session', rules.session, tables.session.get(request.sessionId), nowMs);
      worst = longer(worst, wait('verify_ip', 'this IP', rules.ip, tables.ip.get(request.ip), nowMs));
      if (request.phoneHash !== undefined)
        worst = longer(worst, wait('verify_phone', 'this phone', rules.phone, tables.phone.get(request.phoneHash), nowMs));
      return worst ?? ALLOW;
    },
    record(request) {
      const limit = rulesOf(request.flow).session;
      return limit === null ? [] : applyAll(request.app, [{ ladder: 'session', key: request.sessionId, op: 'count', limit }]);
    },
    outcome(event) {
      if (seenOutcomes.get(event.eventId) !== undefined) return [];
      seenOutcomes.upsert(event.eventId, () => true);
      const rules = rulesOf(event.flow ?? '');
      const ops: LadderOp[] = [];
      if (event.success) {
        // The code was right: the session is done, and the number's owner has it in hand.
        if (rules.session !== null) ops.push({ ladder: 'session', key: event.sessionId, op: 'reset', limit: rules.session });
        if (event.phoneHash !== undefined && rules.phone !== null)
          ops.push({ ladder: 'phone', key: event.phoneHash, op: 'reset', limit: rules.phone });
      } else {
        if (rules.session !== null) ops.push({ ladder: 'session', key: event.sessionId, op: 'fail', limit: rules.session });
        if (event.ip !== undefined && rules.ip !== null) ops.push({ ladder: 'ip', key: event.ip, op: 'count', limit: rules.ip });
        if (event.phoneHash !== undefined && rules.phone !== null)
          ops.push({ ladder: 'phone', key: event.phoneHash, op: 'count', limit: rules.phone });
      }
      return applyAll(event.app, ops);
    },
    absorb(app, ladder, key, state) {
      const table = tablesOf(app)[ladder];
      const held = table.get(key);
      if (held !== undefined && held.version > state.version) return;
      Object.assign(
        table.upsert(key, () => fresh(state.firstMs)),
        state,
      );
    },
  };
}

function isStale(attempts: Attempts, limit: AttemptLimit, nowMs: number): boolean {
  if (attempts.lockedUntilMs !== 0) return attempts.lockedUntilMs <= nowMs;
  return nowMs - attempts.firstMs >= limit.windowMs;
}

function reset(attempts: Attempts | undefined): void {
  if (attempts === undefined) return;
  attempts.count = 0;
  attempts.failures = 0;
  attempts.lockedUntilMs = 0;
}

/** What a ladder holds against its key: a session's attempts or its reported failures, whichever is more. */
function counted(attempts: Attempts): number {
  return Math.max(attempts.count, attempts.failures);
}

function wait(
  rule: VerifyRule,
  what: string,
  limit: AttemptLimit | null,
  attempts: Attempts | undefined,
  nowMs: number,
): VerifyDecision | undefined {
  if (limit === null || attempts === undefined || counted(attempts) === 0 || isStale(attempts, limit, nowMs)) return undefined;
  if (attempts.lockedUntilMs > nowMs) {
    return {
      decision: 'block',
      rule,
      retryAfterS: secondsFrom(attempts.lockedUntilMs - nowMs),
      lockedOut: true,
      detail: `${counted(attempts)} attempts on ${what} (limit ${limit.maxAttempts}): locked for ${formatDuration(limit.lockoutMs)}`,
    };
  }
  const waitMs = attempts.lastMs + backoffMs(limit, counted(attempts)) - nowMs;
  if (waitMs <= 0) return undefined;
  return {
    decision: 'block',
    rule,
    retryAfterS: secondsFrom(waitMs),
    lockedOut: false,
    detail: `${counted(attempts)} attempts on ${what}: the next waits ${formatDuration(backoffMs(limit, counted(attempts)))} after the last (backoff)`,
  };
}

/** Between two refusals the caller must sit out both: the longer wait wins. */
function longer(current: VerifyDecision | undefined, candidate: VerifyDecision | undefined): VerifyDecision | undefined {
  if (candidate === undefined || candidate.decision === 'allow') return current;
  if (current === undefined || current.decision === 'allow') return candidate;
  return candidate.retryAfterS > current.retryAfterS ? candidate : current;
}

function secondsFrom(ms: number): number {
  return Math.max(1, Math.ceil(ms / MS_PER_S));
}
