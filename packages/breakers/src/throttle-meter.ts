import { createCappedMap } from '@tollgate/vocabulary';
import { SlidingWindow } from './sliding-window.ts';

/** A throttle breaker's rate is per minute (`BreakerAction.perMinute`). */
export const THROTTLE_WINDOW_MS = 60_000;

/**
 * Far above the breakers any deployment holds (sized for 1,000 loaded): the cap only
 * keeps the counters of long-closed breakers from piling up for the life of the process.
 */
const MAX_THROTTLED_BREAKERS = 100_000;

/** Sends let through each throttle breaker in the last minute, over a sliding window so a minute boundary admits no double burst. */
export interface ThrottleMeter {
  /** 0 when one more send fits under `perMinute`, else how long until it does. */
  msUntilRoom(breakerId: string, perMinute: number, nowMs: number): number;
  record(breakerId: string, nowMs: number): void;
}

export function createThrottleMeter(): ThrottleMeter {
  const windows = createCappedMap<SlidingWindow>(MAX_THROTTLED_BREAKERS);
  return {
    msUntilRoom(breakerId, perMinute, nowMs) {
      const window = windows.get(breakerId);
      return window === undefined ? 0 : window.msUntilRoomFor(nowMs, perMinute);
    },
    record(breakerId, nowMs) {
      windows.upsert(breakerId, () => new SlidingWindow(THROTTLE_WINDOW_MS)).add(nowMs);
    },
  };
}
