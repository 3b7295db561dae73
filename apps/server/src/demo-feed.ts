import type { Logger } from 'pino';
import type { EventKind } from '@tollgate/events';
import type { Ingestor } from '@tollgate/ingest';
import { createSimulator, demoScenarios, loadSimulatedTraffic, type ScenarioSpec, type SimEvent, type SimSend } from '@tollgate/simulator';
import { detectorTraffic, type Store } from '@tollgate/store';
import { createTollgateClient } from '@tollgate/client';

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
/**
 * The detector needs a day of history behind it before its baselines judge anything: the replay
 * covers the backfill's second half (the last 24 h of the default 48).
 */
const REPLAY_SHARE_OF_BACKFILL = 0.5;
/**
 * IAM's attack: a verify brute force every eight hours of the plan, the first an hour before the
 * start (in the backfill, so the replay raises it) and one five minutes after it (live).
 */
const BRUTEFORCE_EVERY_MS = 8 * HOUR_MS;
const BRUTEFORCE_DURATION_MS = 12 * 60_000;
const LIVE_BRUTEFORCE_AFTER_MS = 5 * 60_000;
/** Blocked sends are remembered this long, to drop the receipts, bills and verifies they never had. */
const BLOCKED_MEMORY_MS = HOUR_MS;

/**
 * The demo's own budget for a decision: generous, as the demo shares a laptop with a dashboard
 * build; a service embeds the client's 150 ms default. Past it the client fails open.
 */
const DEMO_DECIDE_TIMEOUT_MS = 2_000;

/** What the decision API answered a send, as the feed acts on it. */
export type SendVerdict = 'allow' | 'challenge' | 'block';
/** Asks `POST /v1/decide` before a send, as a real service does. */
export type SendGate = (send: SimSend) => Promise<SendVerdict>;

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

/** The demo's decision API client: the SDK services embed, failing open, against this server. */
export function createDecideGate(deps: { baseUrl: string; apiKey: string; logger: Logger }): SendGate {
  const client = createTollgateClient({ baseUrl: deps.baseUrl, apiKey: deps.apiKey, failMode: 'open', timeoutMs: DEMO_DECIDE_TIMEOUT_MS });
  return async (send) => {
    try {
      const answer = await client.decide({
        app: send.app,
        flow: send.flow,
        phone: send.phone,
        ip: send.ip,
        session_id: send.session_id,
        provider: send.provider,
        ...(send.device_id !== undefined && { device_id: send.device_id }),
        ...(send.user_agent !== undefined && { user_agent: send.user_agent }),
      });
      return answer.decision;
    } catch (error) {
      // A refused question is the feed's bug, not a reason to stop the demo: the send goes out, logged.
      deps.logger.warn({ err: error }, 'demo: the decision API refused the question');
      return 'allow';
    }
  };
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

/**
 * Feeds simulated traffic (pumping bursts, campaigns, a verify brute force) into the ingest
 * pipeline in real time, as `npm start` promises. Events go through the same validation,
 * hashing and dedup as real ones. Each live send first asks the decision API (`gate`), as a real
 * service does: a blocked send is not made (nor its receipt, bill and verifies), a challenged one
 * only by people (bots fail the challenge), so breakers visibly stop spend and "saved" is real.
 * On a store without recent history it first backfills `backfillMs` of history, so the detector
 * has baselines, then replays detection over it (`replayHistory`) so past attacks are incidents
 * at once; `onHistoryReady` is called once that history is stored (or found already there),
 * before the first live tick.
 */
export function startDemoFeed(deps: {
  ingestor: Ingestor;
  store: Store;
  logger: Logger;
  backfillMs: number;
  gate?: SendGate;
  replayHistory?: (fromMs: number, toMs: number) => Promise<unknown>;
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
    scenarios: demoFeedScenarios(startMs, nowMs, (nowMs - startMs) / HOUR_MS + DEMO_PLAN_HOURS),
  });
  // Sends the decision API refused: by message id (their receipt and bill never come) and by
  // session (its verifies never come, unless another send of the session went out).
  const refusedMessages = new Map<string, number>();
  const refusedSessions = new Map<string, number>();
  const sentSessions = new Map<string, number>();
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
      if (deps.replayHistory) {
        const replayFromMs = nowMs - Math.round((deps.backfillMs * REPLAY_SHARE_OF_BACKFILL) / HOUR_MS) * HOUR_MS;
        const replayStartedAt = performance.now();
        const outcome = await deps.replayHistory(replayFromMs, nowMs);
        deps.logger.info(
          { outcome, seconds: Math.round((performance.now() - replayStartedAt) / 1000) },
          'demo: detection replayed over the backfill',
        );
      }
    }
  }

  /** Whether a live event goes out: each send after the decision API's answer, the rest after their send's. */
  async function admitted(event: SimEvent, atMs: number): Promise<boolean> {
    switch (event.kind) {
      case 'send': {
        // Events before the feed started are history (a backfill, a restart's replay): they were decided then.
        if (!deps.gate || event.body.ts < nowMs) return true;
        const verdict = await deps.gate(event.body);
        const goes = verdict === 'allow' || (verdict === 'challenge' && event.label === undefined);
        const messageId = event.body.message_id;
        if (goes) sentSessions.set(event.body.session_id, atMs);
        else {
          if (messageId !== undefined) refusedMessages.set(messageId, atMs);
          refusedSessions.set(event.body.session_id, atMs);
        }
        return goes;
      }
      case 'billing':
        return !refusedMessages.has(event.body.event_id);
      case 'receipt':
        return !refusedMessages.has(event.body.message_id);
      case 'verify':
        return !refusedSessions.has(event.body.session_id) || sentSessions.has(event.body.session_id);
    }
  }

  function forgetBefore(atMs: number): void {
    for (const memory of [refusedMessages, refusedSessions, sentSessions]) {
      for (const [key, at] of memory) if (at < atMs - BLOCKED_MEMORY_MS) memory.delete(key);
    }
  }

  async function tick(): Promise<void> {
    const until = clock();
    if (until <= cursor) return;
    const batches: Record<EventKind, unknown[]> = { send: [], verify: [], billing: [], receipt: [] };
    for (const event of simulator.generate(cursor, until)) if (await admitted(event, until)) batches[event.kind].push(event.body);
    forgetBefore(until);
    for (const kind of ['send', 'verify', 'billing', 'receipt'] as const) {
      if (batches[kind].length === 0) continue;
      const result = await deps.ingestor.submit(
        kind,
        batches[kind].map((value, i) => ({ line: i + 1, value })),
      );
      if (!result.ok) return; // overloaded: keep the cursor and catch up next tick
      if (result.rejected.length > 0) deps.logger.warn({ kind, rejected: result.rejected.slice(0, 3) }, 'demo events rejected');
    }
    cursor = until;
  }

  const timer = setInterval(() => {
    running = running
      .then(() => (stopped ? undefined : tick()))
      .catch((error) => deps.logger.error({ err: error }, 'demo feed tick failed'));
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
