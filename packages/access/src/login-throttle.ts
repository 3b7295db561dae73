/**
 * Counts failed sign-ins per user name and per client address in a sliding window, so password
 * guessing is slowed down whether it targets one account from many addresses or many accounts from
 * one. Pure: the clock is passed in, nothing is stored (a restart forgets the failures, which only
 * resets the window early).
 */
export interface LoginThrottle {
  /** Seconds to wait before another attempt is admitted, or 0 when it is. */
  retryAfterS(user: string, ip: string): number;
  recordFailure(user: string, ip: string): void;
  /** A successful sign-in clears the user's failures (not the address's: it may be guessing others). */
  recordSuccess(user: string): void;
}

export interface LoginThrottleOptions {
  maxFailures: number;
  windowMs: number;
  clock: () => number;
}

// Five wrong passwords in fifteen minutes is more than a person mistypes and far too few to guess.
export const DEFAULT_LOGIN_THROTTLE = { maxFailures: 5, windowMs: 15 * 60_000 } as const;
// Beyond this many tracked names and addresses the oldest are forgotten, so a flood of random
// names cannot grow memory without bound.
const MAX_TRACKED = 50_000;

export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const failures = new Map<string, number[]>();
  const recent = (key: string, now: number) => (failures.get(key) ?? []).filter((at) => at > now - options.windowMs);
  const wait = (key: string, now: number) => {
    const times = recent(key, now);
    return times.length < options.maxFailures ? 0 : Math.ceil((times[0]! + options.windowMs - now) / 1000);
  };
  return {
    retryAfterS(user, ip) {
      const now = options.clock();
      return Math.max(wait(`user:${user}`, now), wait(`ip:${ip}`, now));
    },
    recordFailure(user, ip) {
      const now = options.clock();
      for (const key of [`user:${user}`, `ip:${ip}`]) {
        const times = [...recent(key, now), now];
        // Re-inserting keeps the map in order of last failure, so the first key is the stalest.
        failures.delete(key);
        if (failures.size >= MAX_TRACKED) failures.delete(failures.keys().next().value!);
        failures.set(key, times);
      }
    },
    recordSuccess(user) {
      failures.delete(`user:${user}`);
    },
  };
}
