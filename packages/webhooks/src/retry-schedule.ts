/**
 * When to try a failed delivery again: exponential backoff with full jitter (AWS architecture
 * blog, "Exponential Backoff And Jitter"), so that many receivers coming back at once are not hit
 * in lockstep, and no retry after the delivery is `MAX_DELIVERY_AGE_MS` old.
 */

// First retry within 10 s, doubling up to an hour between attempts.
export const BASE_DELAY_MS = 10_000;
export const MAX_DELAY_MS = 3_600_000;
// The promise to subscribers: a receiver that is down for up to a day still gets the event.
export const MAX_DELIVERY_AGE_MS = 24 * 3_600_000;

export type RetryPlan = { retry: true; atMs: number } | { retry: false; reason: string };

/** `attempts` is how many attempts failed so far (1 after the first failure); `random` in [0, 1). */
export function planRetry(attempts: number, createdAtMs: number, nowMs: number, random: () => number): RetryPlan {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  const atMs = nowMs + Math.max(1_000, Math.floor(random() * ceiling));
  if (atMs - createdAtMs > MAX_DELIVERY_AGE_MS) {
    return { retry: false, reason: `gave up after ${attempts} attempts over ${Math.round((nowMs - createdAtMs) / 3_600_000)} h` };
  }
  return { retry: true, atMs };
}
