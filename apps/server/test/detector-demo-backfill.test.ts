/**
 * The demo's backfill (`npm start` on an empty store): simulated history goes into the store through
 * the ingest pipeline before live traffic, with progress in the log, and the detector is told when
 * it can warm up; a restart on a store with history skips it.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectorTraffic } from '@tollgate/store';
import { demoBackfillMs, startDemoFeed } from '../src/demo-feed.ts';
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
  const feed = startDemoFeed({ ingestor: server.core.ingestor, store: server.core.store, logger, backfillMs, clock: () => NOW, onHistoryReady: ready });
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
    const hours = await detectorTraffic(server.core.store, { fromMs: wholeHoursFrom, toMs: wholeHoursFrom + 2 * HOUR, stepMinutes: 60, grouping: ALL });
    expect(hours.map((hour) => hour.sends > 500)).toEqual([true, true]);
    expect(messages()).toEqual(expect.arrayContaining(['demo: empty store, backfilling simulated history before live traffic', 'demo: backfill hours stored', 'demo: backfill done']));
  }, 90_000);

  it('skips the backfill on a store that has the history already', async () => {
    const { logger, messages } = capturingLogger();
    const feed = await startUntilReady(server, logger, 3 * HOUR);
    await feed.stop();
    expect(messages()).not.toContain('demo: empty store, backfilling simulated history before live traffic');
  }, 90_000);

  it.each([
    [{}, 48 * HOUR],
    [{ TOLLGATE_DEMO_BACKFILL_HOURS: '0' }, 0],
    [{ TOLLGATE_DEMO_BACKFILL_HOURS: '48' }, 48 * HOUR],
  ])('sizes the backfill from the environment (%o)', (env, ms) => {
    expect(demoBackfillMs(env)).toBe(ms);
  });

  it.each(['1.5', '-2', 'two days', '100000'])('refuses TOLLGATE_DEMO_BACKFILL_HOURS=%s', (value) => {
    expect(() => demoBackfillMs({ TOLLGATE_DEMO_BACKFILL_HOURS: value })).toThrow(/TOLLGATE_DEMO_BACKFILL_HOURS must be a whole number of hours/);
  });
});
