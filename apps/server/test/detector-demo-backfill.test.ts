/**
 * The demo's backfill (`npm start` on an empty store): simulated history goes into the store through
 * the ingest pipeline before live traffic, with progress in the log, and the detector is told when
 * it can warm up; a restart on a store with history skips it.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectorTraffic } from '@tollgate/store';
import type { SimSend } from '@tollgate/simulator';
import { startDemoFeed } from '../src/demo-feed.ts';
import { openTestServer, type TestServer } from './support/test-server.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-23T12:00:30Z');
const DEADLINE_MS = 60_000;
const ALL = { app: false, flow: false, country: false, prefix: false, asn: false, provider: false };

/** A logger whose lines are kept, to read what the feed said. */
function capturingLogger(): { logger: pino.Logger; messages: () => string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).trim().split('\n'));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), messages: () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg) };
}

/** Starts the feed and resolves once it says the history is ready (or fails after the deadline). */
async function startUntilReady(server: TestServer, logger: pino.Logger, backfillMs: number) {
  let ready!: () => void;
  const historyReady = new Promise<void>((resolve) => (ready = resolve));
  const feed = startDemoFeed({
    ingestor: server.core.ingestor,
    store: server.core.store,
    logger,
    backfillMs,
    clock: () => NOW,
    onHistoryReady: ready,
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('history never ready')), DEADLINE_MS)));
  await Promise.race([historyReady, deadline]).finally(() => clearTimeout(timer));
  return feed;
}

describe('demo backfill', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await openTestServer('demo-backfill');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('fills an empty store with the asked hours of history before saying it is ready', async () => {
    const { logger, messages } = capturingLogger();
    const feed = await startUntilReady(server, logger, 3 * HOUR);
    await feed.stop();
    // The two whole hours of the three hold traffic at the demo's rate (about 60 sends a minute, less at night).
    const wholeHoursFrom = Math.floor(NOW / HOUR) * HOUR - 2 * HOUR;
    const hours = await detectorTraffic(server.core.store, {
      fromMs: wholeHoursFrom,
      toMs: wholeHoursFrom + 2 * HOUR,
      stepMinutes: 60,
      grouping: ALL,
    });
    expect(hours.map((hour) => hour.sends > 500)).toEqual([true, true]);
    expect(messages()).toEqual(
      expect.arrayContaining([
        'demo: empty store, backfilling simulated history before live traffic',
        'demo: backfill hours stored',
        'demo: backfill done',
      ]),
    );
  }, 90_000);

  it('skips the backfill on a store that has the history already', async () => {
    const { logger, messages } = capturingLogger();
    const feed = await startUntilReady(server, logger, 3 * HOUR);
    await feed.stop();
    expect(messages()).not.toContain('demo: empty store, backfilling simulated history before live traffic');
  }, 90_000);

  it('asks the decision API about each live send, and makes none it refuses: nor their verifies', async () => {
    const { logger } = capturingLogger();
    // Live from an hour after the backfilled history; the feed replays the hour before as history.
    // (on a whole minute, as the store counts by minute).
    const liveFromMs = Math.floor((NOW + HOUR) / 60_000) * 60_000;
    let nowMs = liveFromMs;
    const asked: SimSend[] = [];
    const feed = startDemoFeed({
      ingestor: server.core.ingestor,
      store: server.core.store,
      logger,
      backfillMs: 3 * HOUR,
      clock: () => nowMs,
      gate: async (send) => {
        asked.push(send);
        return send.app === 'social' ? 'block' : 'allow';
      },
    });
    nowMs = liveFromMs + 10 * 60_000;
    const deadline = Date.now() + DEADLINE_MS;
    while (!asked.some((send) => send.ts >= nowMs - 60_000)) {
      if (Date.now() > deadline) throw new Error('the feed never reached the end of the live window');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await feed.stop();
    expect(asked.every((send) => send.ts >= liveFromMs)).toBe(true);
    expect(asked.filter((send) => send.app === 'social').length).toBeGreaterThan(0);
    const byApp = await detectorTraffic(server.core.store, {
      fromMs: liveFromMs,
      toMs: nowMs,
      stepMinutes: 10,
      grouping: { ...ALL, app: true },
    });
    const social = byApp.filter((row) => row.app === 'social');
    // Verifies count in the minute of their session's first send: none, as no social send went out.
    expect(social.reduce((n, row) => n + row.sends + row.verify_attempts, 0)).toBe(0);
    expect(byApp.reduce((n, row) => n + row.sends, 0)).toBe(asked.filter((send) => send.app !== 'social').length);
  }, 90_000);
});
