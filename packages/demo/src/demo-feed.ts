import type { EventKind } from '@tollgate/events';
import type { Ingestor } from '@tollgate/ingest';
import { loadSimulatedTraffic } from '@tollgate/simulator';
import { detectorTraffic, type Store } from '@tollgate/store';
import type { SendGate } from './decide-gate.ts';
import type { DemoLogger } from './demo-logger.ts';
import { createDemoSimulator, HOUR_MS, RESTART_REPLAY_MS } from './demo-plan.ts';
import { createSendAdmission } from './send-admission.ts';

/** Backfill progress is logged this often (simulated hours). */
const PROGRESS_EVERY_HOURS = 6;
/**
 * The detector needs a day of history behind it before its baselines judge anything: the replay
 * covers the backfill's second half (the last 24 h of the default 48).
 */
const REPLAY_SHARE_OF_BACKFILL = 0.5;
const EVENT_KINDS = ['send', 'verify', 'billing', 'receipt'] as const;

export interface DemoFeedDeps {
  ingestor: Ingestor;
  store: Store;
  logger: DemoLogger;
  backfillMs: number;
  gate?: SendGate;
  replayHistory?: (fromMs: number, toMs: number) => Promise<unknown>;
  clock: () => number;
}

/** The demo's two steps; the caller runs them (backfill once, then a tick on its timer) and stops them. */
export interface DemoFeed {
  /** On a store without recent history, writes `backfillMs` of history, then replays detection over it. */
  backfill(signal: AbortSignal): Promise<void>;
  /** Stores the events from the last tick (or the restart's replayed hour) up to now. */
  tick(): Promise<void>;
}

/**
 * Simulated traffic (pumping bursts, campaigns, a verify brute force) for the ingest pipeline, as
 * `npm start` promises: events go through the same validation, hashing and dedup as real ones.
 * Each live send first asks the decision API (`gate`), as a real service does, so breakers
 * visibly stop spend and "saved" is real. History is backfilled so the detector has baselines,
 * and detection replayed over it (`replayHistory`) so past attacks are incidents at once.
 */
export function createDemoFeed(deps: DemoFeedDeps): DemoFeed {
  const nowMs = deps.clock();
  const startMs = nowMs - Math.max(deps.backfillMs, RESTART_REPLAY_MS);
  const simulator = createDemoSimulator(startMs, nowMs);
  const admission = createSendAdmission({ gate: deps.gate, liveFromMs: nowMs });
  let cursor = nowMs - RESTART_REPLAY_MS;

  async function storeHistory(signal: AbortSignal): Promise<void> {
    const hours = deps.backfillMs / HOUR_MS;
    const startedAt = performance.now();
    deps.logger.info({ hours }, 'demo: empty store, backfilling simulated history before live traffic');
    const counts = await loadSimulatedTraffic({
      ingestor: deps.ingestor,
      simulator,
      fromMs: startMs,
      toMs: nowMs,
      signal,
      onHour: (done, total) => {
        if (done % PROGRESS_EVERY_HOURS === 0 || done === total) deps.logger.info({ done, total }, 'demo: backfill hours stored');
      },
    });
    if (signal.aborted) return;
    cursor = nowMs;
    deps.logger.info({ ...counts, seconds: Math.round((performance.now() - startedAt) / 1000) }, 'demo: backfill done');
  }

  async function replayOverHistory(replayHistory: NonNullable<DemoFeedDeps['replayHistory']>): Promise<void> {
    const replayFromMs = nowMs - Math.round((deps.backfillMs * REPLAY_SHARE_OF_BACKFILL) / HOUR_MS) * HOUR_MS;
    const startedAt = performance.now();
    const outcome = await replayHistory(replayFromMs, nowMs);
    deps.logger.info(
      { outcome, seconds: Math.round((performance.now() - startedAt) / 1000) },
      'demo: detection replayed over the backfill',
    );
  }

  return {
    async backfill(signal) {
      if (deps.backfillMs <= RESTART_REPLAY_MS || (await hasTraffic(deps.store, nowMs - deps.backfillMs, nowMs))) return;
      await storeHistory(signal);
      if (!signal.aborted && deps.replayHistory) await replayOverHistory(deps.replayHistory);
    },

    async tick() {
      const until = deps.clock();
      if (until <= cursor) return;
      const batches: Record<EventKind, unknown[]> = { send: [], verify: [], billing: [], receipt: [] };
      for (const event of simulator.generate(cursor, until)) {
        if (await admission.admitted(event, until)) batches[event.kind].push(event.body);
      }
      admission.forgetBefore(until);
      for (const kind of EVENT_KINDS) {
        if (batches[kind].length === 0) continue;
        const result = await deps.ingestor.submit(
          kind,
          batches[kind].map((value, i) => ({ line: i + 1, value })),
        );
        if (!result.ok) return; // overloaded: keep the cursor and catch up next tick
        if (result.rejected.length > 0) deps.logger.warn({ kind, rejected: result.rejected.slice(0, 3) }, 'demo events rejected');
      }
      cursor = until;
    },
  };
}

/** Whether the store holds any traffic in [fromMs, toMs): one row of the per-minute rollup, summed. */
async function hasTraffic(store: Store, fromMs: number, toMs: number): Promise<boolean> {
  const none = { app: false, flow: false, country: false, prefix: false, asn: false, provider: false };
  const rows = await detectorTraffic(store, { fromMs, toMs, stepMinutes: Math.ceil((toMs - fromMs) / 60_000), grouping: none });
  return rows.some((row) => row.sends > 0);
}
