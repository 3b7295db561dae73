import type { Logger } from 'pino';
import type { EventKind } from '@tollgate/events';
import type { Ingestor } from '@tollgate/ingest';
import { createSimulator, demoScenarios, loadSimulatedTraffic } from '@tollgate/simulator';
import { detectorTraffic, type Store } from '@tollgate/store';

// Gentle enough for a laptop, busy enough that every chart has something on it within a minute.
const DEMO_SENDS_PER_MINUTE = 60;
const DEMO_TICK_MS = 2_000;
// The demo is deterministic: a restart regenerates the same events for the same minutes, and the
// collectors' dedup keeps them from counting twice.
const DEMO_SEED = 20261124;
const HOUR_MS = 3_600_000;
// A restart on a store with recent history replays the last hour, so the charts have no hole.
const RESTART_REPLAY_MS = HOUR_MS;
/**
 * On an empty store the feed first writes this much simulated history: the detector's baselines
 * need days behind them (two samples of every hour of the day), and a day of demo traffic (80,000
 * sends and their verifies, receipts and bills) goes through the ingest pipeline in about 20 s on
 * the 2-core machine.
 */
export const DEFAULT_DEMO_BACKFILL_HOURS = 48;
const MAX_DEMO_BACKFILL_HOURS = 24 * 35;
/** Scenarios (bursts, campaigns) are planned this far past the start: a week of demo. */
const DEMO_PLAN_HOURS = 7 * 24;
/** Backfill progress is logged this often (simulated hours). */
const PROGRESS_EVERY_HOURS = 6;

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

/**
 * Feeds simulated traffic (with an occasional pumping burst and a campaign) into the ingest
 * pipeline in real time, as `npm start` promises. Events go through the same validation,
 * hashing and dedup as real ones. On a store without recent history it first backfills
 * `backfillMs` of history, so the detector has baselines when the first burst comes;
 * `onHistoryReady` is called once that history is stored (or found already there), before the
 * first live tick.
 */
export function startDemoFeed(deps: {
  ingestor: Ingestor;
  store: Store;
  logger: Logger;
  backfillMs: number;
  onHistoryReady?: () => void;
  clock?: () => number;
}): { stop(): Promise<void> } {
  const clock = deps.clock ?? Date.now;
  const nowMs = clock();
  const startMs = nowMs - Math.max(deps.backfillMs, RESTART_REPLAY_MS);
  const simulator = createSimulator({
    seed: DEMO_SEED,
    startMs,
    sendsPerMinute: DEMO_SENDS_PER_MINUTE,
    scenarios: demoScenarios(startMs, (nowMs - startMs) / HOUR_MS + DEMO_PLAN_HOURS),
  });
  const aborted = new AbortController();
  let cursor = nowMs - RESTART_REPLAY_MS;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  async function backfill(): Promise<void> {
    if (deps.backfillMs > RESTART_REPLAY_MS && !(await hasTraffic(deps.store, nowMs - deps.backfillMs, nowMs))) {
      const hours = deps.backfillMs / HOUR_MS;
      const startedAt = performance.now();
      deps.logger.info({ hours }, 'demo: empty store, backfilling simulated history before live traffic');
      const counts = await loadSimulatedTraffic({
        ingestor: deps.ingestor,
        simulator,
        fromMs: startMs,
        toMs: nowMs,
        signal: aborted.signal,
        onHour: (done, total) => {
          if (done % PROGRESS_EVERY_HOURS === 0 || done === total) deps.logger.info({ done, total }, 'demo: backfill hours stored');
        },
      });
      if (aborted.signal.aborted) return;
      cursor = nowMs;
      deps.logger.info({ ...counts, seconds: Math.round((performance.now() - startedAt) / 1000) }, 'demo: backfill done');
    }
  }

  async function tick(): Promise<void> {
    const until = clock();
    if (until <= cursor) return;
    const batches: Record<EventKind, unknown[]> = { send: [], verify: [], billing: [], receipt: [] };
    for (const event of simulator.generate(cursor, until)) batches[event.kind].push(event.body);
    for (const kind of ['send', 'verify', 'billing', 'receipt'] as const) {
      if (batches[kind].length === 0) continue;
      const result = await deps.ingestor.submit(kind, batches[kind].map((value, i) => ({ line: i + 1, value })));
      if (!result.ok) return; // overloaded: keep the cursor and catch up next tick
      if (result.rejected.length > 0) deps.logger.warn({ kind, rejected: result.rejected.slice(0, 3) }, 'demo events rejected');
    }
    cursor = until;
  }

  const timer = setInterval(() => {
    running = running.then(() => (stopped ? undefined : tick())).catch((error) => deps.logger.error({ err: error }, 'demo feed tick failed'));
  }, DEMO_TICK_MS);
  timer.unref();
  running = backfill()
    // A failed backfill leaves less history, not a demo without detection.
    .catch((error) => deps.logger.error({ err: error }, 'demo feed backfill failed'))
    .then(() => {
      if (stopped) return undefined;
      deps.onHistoryReady?.();
      return tick();
    })
    .catch((error) => deps.logger.error({ err: error }, 'demo feed tick failed'));

  return {
    async stop() {
      stopped = true;
      aborted.abort();
      clearInterval(timer);
      await running;
    },
  };
}

/** Whether the store holds any traffic in [fromMs, toMs): one row of the per-minute rollup, summed. */
async function hasTraffic(store: Store, fromMs: number, toMs: number): Promise<boolean> {
  const none = { app: false, flow: false, country: false, prefix: false, asn: false, provider: false };
  const rows = await detectorTraffic(store, { fromMs, toMs, stepMinutes: Math.ceil((toMs - fromMs) / 60_000), grouping: none });
  return rows.some((row) => row.sends > 0);
}
