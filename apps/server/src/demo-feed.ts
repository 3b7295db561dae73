import type { Logger } from 'pino';
import type { EventKind } from '@tollgate/events';
import type { Ingestor } from '@tollgate/ingest';
import { createSimulator, demoScenarios } from '@tollgate/simulator';

// Gentle enough for a laptop, busy enough that every chart has something on it within a minute.
const DEMO_SENDS_PER_MINUTE = 60;
const DEMO_TICK_MS = 2_000;
// The demo is deterministic: a restart regenerates the same events for the same minutes, and the
// collectors' dedup keeps them from counting twice.
const DEMO_SEED = 20261124;
// On start the feed backfills the last hour so the dashboard is not empty on first look.
const DEMO_BACKFILL_MS = 60 * 60_000;

/**
 * Feeds simulated traffic (with an occasional pumping burst and a campaign) into the ingest
 * pipeline in real time, as `npm start` promises. Events go through the same validation,
 * hashing and dedup as real ones.
 */
export function startDemoFeed(deps: { ingestor: Ingestor; logger: Logger; clock?: () => number }): { stop(): Promise<void> } {
  const clock = deps.clock ?? Date.now;
  const startMs = clock() - DEMO_BACKFILL_MS;
  const simulator = createSimulator({
    seed: DEMO_SEED,
    startMs,
    sendsPerMinute: DEMO_SENDS_PER_MINUTE,
    scenarios: demoScenarios(startMs),
  });
  let cursor = startMs;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

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
  running = tick().catch((error) => deps.logger.error({ err: error }, 'demo feed backfill failed'));

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
