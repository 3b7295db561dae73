import type { Logger } from 'pino';
import { createDemoFeed, type DemoFeedDeps } from '@tollgate/demo';

/** How often live demo traffic is stored: often enough that the charts move while someone watches. */
const DEMO_TICK_MS = 2_000;

/**
 * Runs the demo traffic of `npm start` (`@tollgate/demo`) on this server: the backfill first, then
 * a tick every two seconds into the ingestor, one at a time. `onHistoryReady` is called once the
 * history is stored (or found already there), before the first live tick; a failed backfill leaves
 * less history, not a demo without live traffic. Stopping aborts the backfill and waits for the
 * step under way.
 */
export function startDemoFeed(
  deps: Omit<DemoFeedDeps, 'clock' | 'logger'> & { logger: Logger; onHistoryReady?: () => void; clock?: () => number },
): { stop(): Promise<void> } {
  const feed = createDemoFeed({ ...deps, clock: deps.clock ?? Date.now });
  const aborted = new AbortController();
  let stopped = false;
  const tickFailed = (error: unknown) => deps.logger.error({ err: error }, 'demo feed tick failed');

  let running: Promise<void> = feed
    .backfill(aborted.signal)
    .catch((error) => deps.logger.error({ err: error }, 'demo feed backfill failed'))
    .then(() => {
      if (stopped) return undefined;
      deps.onHistoryReady?.();
      return feed.tick();
    })
    .catch(tickFailed);
  const timer = setInterval(() => {
    running = running.then(() => (stopped ? undefined : feed.tick())).catch(tickFailed);
  }, DEMO_TICK_MS);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      aborted.abort();
      clearInterval(timer);
      await running;
    },
  };
}
