/**
 * Verification attempt limits: attackers brute-force codes where only the send endpoint is
 * limited, so attempts are limited per session, per IP and per phone number, with exponential
 * backoff and short lockouts to slow automation; and how a flow overrides them.
 */

/**
 * A ladder of attempts: the first `freeAttempts` go through at once, each later one waits
 * `backoffMs` doubled per attempt past the free ones (at most `maxBackoffMs`), and reaching
 * `maxAttempts` locks the key for `lockoutMs`. Counts are forgotten `windowMs` after the first.
 */
export interface AttemptLimit {
  maxAttempts: number;
  freeAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  lockoutMs: number;
  windowMs: number;
}

export interface VerifyRules {
  /** Attempts of one session, counted when a verify decision allows one. */
  session: AttemptLimit | null;
  /** Failed attempts from one IP, counted from the verify events services report. */
  ip: AttemptLimit | null;
  /** Failed attempts on one phone number, from the verify events; a success clears them. */
  phone: AttemptLimit | null;
}

export type VerifyRuleName = keyof VerifyRules;

export interface VerifyLimits {
  defaults: VerifyRules;
  /** Per flow, the rules that differ; a rule given replaces the default rule whole. */
  flows: Readonly<Record<string, Partial<VerifyRules>>>;
}

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * Defaults, within the 5-10 attempts per code services commonly allow (fewer where a code hands
 * over an account, like a password reset):
 * - session 5 attempts, 2 free (a typo and a retry cost no wait), then 1 s, 2 s, 4 s; the 5th
 *   locks the session for its hour: the code is spent, the user starts a new verification.
 * - recovery 3 attempts, 1 free: a reset hands over the account, so fewer guesses.
 * - IP 30 failures an hour, 10 free: carrier NAT and offices put many people behind one address,
 *   each of whom may mistype; a brute force from one exit makes hundreds. 15 min lockout.
 * - phone 10 failures an hour, 3 free: the owner mistypes a few times; many more across sessions
 *   is someone guessing codes for that number. 15 min lockout; the owner's success clears it.
 * A 6-digit code with 5 attempts gives a guesser 1 in 200,000 per session, and the IP and phone
 * ladders stop spreading guesses over many sessions.
 */
export const DEFAULT_VERIFY_RULES: VerifyRules = {
  session: { maxAttempts: 5, freeAttempts: 2, backoffMs: SECOND_MS, maxBackoffMs: 30 * SECOND_MS, lockoutMs: HOUR_MS, windowMs: HOUR_MS },
  ip: { maxAttempts: 30, freeAttempts: 10, backoffMs: SECOND_MS, maxBackoffMs: MINUTE_MS, lockoutMs: 15 * MINUTE_MS, windowMs: HOUR_MS },
  phone: {
    maxAttempts: 10,
    freeAttempts: 3,
    backoffMs: 2 * SECOND_MS,
    maxBackoffMs: MINUTE_MS,
    lockoutMs: 15 * MINUTE_MS,
    windowMs: HOUR_MS,
  },
};

export const DEFAULT_VERIFY_LIMITS: VerifyLimits = {
  defaults: DEFAULT_VERIFY_RULES,
  flows: {
    recovery: { session: { ...DEFAULT_VERIFY_RULES.session!, maxAttempts: 3, freeAttempts: 1 } },
  },
};

export function verifyRulesFor(limits: VerifyLimits, flow: string): VerifyRules {
  const overrides = Object.hasOwn(limits.flows, flow) ? limits.flows[flow] : undefined;
  return overrides === undefined ? limits.defaults : { ...limits.defaults, ...overrides };
}

/** How long the attempt after `attempts` earlier ones must wait after the last: 0 while free, then doubling. */
export function backoffMs(limit: AttemptLimit, attempts: number): number {
  if (attempts < limit.freeAttempts) return 0;
  return Math.min(limit.maxBackoffMs, limit.backoffMs * 2 ** (attempts - limit.freeAttempts));
}
