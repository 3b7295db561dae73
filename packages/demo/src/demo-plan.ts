import { createSimulator, demoScenarios, type ScenarioSpec, type Simulator } from '@tollgate/simulator';

// Gentle enough for a laptop, busy enough that every chart has something on it within a minute.
const DEMO_SENDS_PER_MINUTE = 60;
// The demo is deterministic: a restart regenerates the same events for the same minutes, and the
// collectors' dedup keeps them from counting twice.
const DEMO_SEED = 20261124;
export const HOUR_MS = 3_600_000;
// A restart on a store with recent history replays the last hour, so the charts have no hole.
export const RESTART_REPLAY_MS = HOUR_MS;
/**
 * On an empty store the feed first writes this much simulated history: the detector's baselines
 * need days behind them (two samples of every hour of the day), and a day of demo traffic (80,000
 * sends and their verifies, receipts and bills) goes through the ingest pipeline in about 20 s on
 * the 2-core machine.
 */
const DEFAULT_DEMO_BACKFILL_HOURS = 48;
const MAX_DEMO_BACKFILL_HOURS = 24 * 35;
/** Scenarios (bursts, campaigns) are planned this far past the start: a week of demo. */
const DEMO_PLAN_HOURS = 7 * 24;
/**
 * IAM's attack: a verify brute force every eight hours of the plan, the first an hour before the
 * start (in the backfill, so the replay raises it) and one five minutes after it (live).
 */
const BRUTEFORCE_EVERY_MS = 8 * HOUR_MS;
const BRUTEFORCE_DURATION_MS = 12 * 60_000;
const LIVE_BRUTEFORCE_AFTER_MS = 5 * 60_000;

/** `TOLLGATE_DEMO_BACKFILL_HOURS`: 0 skips the backfill (tests), anything but a whole number of hours is refused. */
export function demoBackfillMs(env: NodeJS.ProcessEnv): number {
  const raw = env.TOLLGATE_DEMO_BACKFILL_HOURS;
  if (raw === undefined || raw === '') return DEFAULT_DEMO_BACKFILL_HOURS * HOUR_MS;
  const hours = Number(raw);
  if (!Number.isInteger(hours) || hours < 0 || hours > MAX_DEMO_BACKFILL_HOURS) {
    throw new Error(`TOLLGATE_DEMO_BACKFILL_HOURS must be a whole number of hours from 0 to ${MAX_DEMO_BACKFILL_HOURS}, got "${raw}"`);
  }
  return hours * HOUR_MS;
}

/** The demo's attacks: pumping bursts and campaigns (the simulator's mix), and IAM's verify brute force. */
export function demoFeedScenarios(startMs: number, nowMs: number, hours: number): ScenarioSpec[] {
  const bruteforce: number[] = [nowMs - HOUR_MS, nowMs + LIVE_BRUTEFORCE_AFTER_MS];
  for (let atMs = nowMs - HOUR_MS - BRUTEFORCE_EVERY_MS; atMs > startMs; atMs -= BRUTEFORCE_EVERY_MS) bruteforce.push(atMs);
  for (let atMs = nowMs + BRUTEFORCE_EVERY_MS; atMs < startMs + hours * HOUR_MS; atMs += BRUTEFORCE_EVERY_MS) bruteforce.push(atMs);
  return [
    ...demoScenarios(startMs, hours),
    ...bruteforce.map((atMs) => ({ kind: 'verify_bruteforce' as const, startMs: atMs, durationMs: BRUTEFORCE_DURATION_MS })),
  ];
}

/** The demo's simulator from `startMs`, its attacks planned a week past `nowMs`. */
export function createDemoSimulator(startMs: number, nowMs: number): Simulator {
  return createSimulator({
    seed: DEMO_SEED,
    startMs,
    sendsPerMinute: DEMO_SENDS_PER_MINUTE,
    scenarios: demoFeedScenarios(startMs, nowMs, (nowMs - startMs) / HOUR_MS + DEMO_PLAN_HOURS),
  });
}
