import { createCappedMap, formatDuration, type CappedMap } from '@tollgate/vocabulary';
import { DEFAULT_MAX_KEYS_PER_TABLE, MAX_TRACKED_APPS } from './velocity-limiter.ts';
import { backoffMs, DEFAULT_VERIFY_LIMITS, verifyRulesFor, type AttemptLimit, type VerifyLimits, type VerifyRules } from './verify-limits.ts';

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

export type VerifyDecision =
  | { decision: 'allow' }
  | { decision: 'block'; rule: VerifyRule; retryAfterS: number; lockedOut: boolean; detail: string };

export interface VerifyLimiter {
  /** The answer for one more attempt now; counts nothing. */
  check(request: VerifyRequest): VerifyDecision;
  /** Counts an attempt the decision allowed, against its session. */
  record(request: VerifyRequest): void;
  /** Counts a reported outcome: failures against the IP and the phone, a success clears the session and the phone. */
  outcome(event: VerifyOutcome): void;
}

interface Attempts {
  count: number;
  firstMs: number;
  lastMs: number;
  /** 0 when not locked. */
  lockedUntilMs: number;
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

  function count(table: CappedMap<Attempts>, key: string, limit: AttemptLimit, nowMs: number): void {
    const attempts = table.upsert(key, () => ({ count: 0, firstMs: nowMs, lastMs: nowMs, lockedUntilMs: 0 }));
    if (isStale(attempts, limit, nowMs)) {
      attempts.count = 0;
      attempts.firstMs = nowMs;
      attempts.lockedUntilMs = 0;
    }
    attempts.count++;
    attempts.lastMs = nowMs;
    if (attempts.count >= limit.maxAttempts) attempts.lockedUntilMs = nowMs + limit.lockoutMs;
  }

  return {
    check(request) {
      const nowMs = clock();
      const rules = rulesOf(request.flow);
      const tables = apps.get(request.app);
      if (tables === undefined) return ALLOW;
      let worst = wait('verify_session', 'this session', rules.session, tables.session.get(request.sessionId), nowMs);
      worst = longer(worst, wait('verify_ip', 'this IP', rules.ip, tables.ip.get(request.ip), nowMs));
      if (request.phoneHash !== undefined) worst = longer(worst, wait('verify_phone', 'this phone', rules.phone, tables.phone.get(request.phoneHash), nowMs));
      return worst ?? ALLOW;
    },
    record(request) {
      const limit = rulesOf(request.flow).session;
      if (limit !== null) count(tablesOf(request.app).session, request.sessionId, limit, clock());
    },
    outcome(event) {
      if (seenOutcomes.get(event.eventId) !== undefined) return;
      seenOutcomes.upsert(event.eventId, () => true);
      const rules = rulesOf(event.flow ?? '');
      const tables = tablesOf(event.app);
      const nowMs = clock();
      if (event.success) {
        // The code was right: the session is done, and the number's owner has it in hand.
        reset(tables.session.get(event.sessionId));
        if (event.phoneHash !== undefined) reset(tables.phone.get(event.phoneHash));
        return;
      }
      if (event.ip !== undefined && rules.ip !== null) count(tables.ip, event.ip, rules.ip, nowMs);
      if (event.phoneHash !== undefined && rules.phone !== null) count(tables.phone, event.phoneHash, rules.phone, nowMs);
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
  attempts.lockedUntilMs = 0;
}

function wait(rule: VerifyRule, what: string, limit: AttemptLimit | null, attempts: Attempts | undefined, nowMs: number): VerifyDecision | undefined {
  if (limit === null || attempts === undefined || attempts.count === 0 || isStale(attempts, limit, nowMs)) return undefined;
  if (attempts.lockedUntilMs > nowMs) {
    return {
      decision: 'block',
      rule,
      retryAfterS: secondsFrom(attempts.lockedUntilMs - nowMs),
      lockedOut: true,
      detail: `${attempts.count} attempts on ${what} (limit ${limit.maxAttempts}): locked for ${formatDuration(limit.lockoutMs)}`,
    };
  }
  const waitMs = attempts.lastMs + backoffMs(limit, attempts.count) - nowMs;
  if (waitMs <= 0) return undefined;
  return {
    decision: 'block',
    rule,
    retryAfterS: secondsFrom(waitMs),
    lockedOut: false,
    detail: `${attempts.count} attempts on ${what}: the next waits ${formatDuration(backoffMs(limit, attempts.count))} after the last (backoff)`,
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
