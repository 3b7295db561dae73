/**
 * Ingest benchmark (`npm run bench:ingest`): HTTP NDJSON ingest end to end (parse, validate,
 * normalize, hash, enrich, dedup, store) against a raw insert of the same prepared rows into the
 * same kind of store, in one run, alternating the two so machine noise hits both alike.
 * Reports the median of several runs of each and their ratio, and rewrites its section of
 * bench/RESULTS.md. Target: >= 100,000 events/s end to end and >= 40 % of raw insert.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHasher, createNormalizer, loadAsnDatabase, type SendRow } from '@tollgate/events';
import { createStore, insertRows, migrate, DEFAULT_RETENTION } from '@tollgate/store';
import { startPlatform } from '@tollgate/server';
import { createSimulator } from '@tollgate/simulator';
import { median, writeResultsSection } from './results-file.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 300_000);
const BATCH = 5_000;
const CONCURRENCY = 4;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const HMAC_KEY = Buffer.alloc(32, 7);
const ADMIN_KEY = 'bench-admin-key-0123456789';

function simulatedSends(): Record<string, unknown>[] {
  const startMs = Date.parse('2026-11-16T00:00:00Z');
  // 1,000 sends a minute, so the history spans realistic minutes, countries and number blocks.
  const simulator = createSimulator({ seed: 7, startMs, sendsPerMinute: 1_000, scenarios: [] });
  const sends: Record<string, unknown>[] = [];
  for (let minute = 0; sends.length < EVENTS; minute++) {
    for (const event of simulator.generate(startMs + minute * 60_000, startMs + (minute + 1) * 60_000)) {
      if (event.kind === 'send') sends.push(event.body as unknown as Record<string, unknown>);
      if (sends.length >= EVENTS) break;
    }
  }
  return sends;
}

/**
 * NDJSON request bodies, prepared once (every run starts on a fresh store, so ids are new to it).
 * `idPrefix` gives the warm-up pass its own event ids for the same phones.
 */
function ndjsonBodies(sends: Record<string, unknown>[], idPrefix = ''): Buffer[] {
  const bodies: Buffer[] = [];
  for (let i = 0; i < sends.length; i += BATCH) {
    const lines = sends.slice(i, i + BATCH).map((s) => JSON.stringify(idPrefix ? { ...s, event_id: `${idPrefix}${s.event_id as string}` } : s));
    bodies.push(Buffer.from(`${lines.join('\n')}\n`));
  }
  return bodies;
}

async function post(url: string, bodies: Buffer[]): Promise<number> {
  let next = 0;
  let accepted = 0;
  const client = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const res = await fetch(`${url}/v1/events/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
      accepted += ((await res.json()) as { accepted: number }).accepted;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  return accepted;
}

/**
 * Events per second through HTTP into a fresh store. Cold: every phone number block is new to the
 * process, so each pays a full libphonenumber parse. Warm: the same traffic after a warm-up pass
 * with other event ids, as a long-running collector sees recurring number blocks.
 */
async function endToEnd(bodies: Buffer[], warmUp: Buffer[] | undefined): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-e2e-'));
  const platform = await startPlatform({
    env: { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_ADMIN_KEY: ADMIN_KEY, TOLLGATE_HMAC_KEY: HMAC_KEY.toString('hex'), PORT: '0', LOG_LEVEL: 'warn' },
    demo: false,
    version: 'bench',
  });
  try {
    if (warmUp) await post(platform.url, warmUp);
    const started = performance.now();
    const accepted = await post(platform.url, bodies);
    const seconds = (performance.now() - started) / 1000;
    if (accepted !== EVENTS) throw new Error(`expected ${EVENTS} accepted, got ${accepted}`);
    return EVENTS / seconds;
  } finally {
    await platform.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function rawInsert(rows: SendRow[]): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-raw-'));
  const store = createStore({ kind: 'embedded', dataDir });
  try {
    await migrate(store, DEFAULT_RETENTION);
    const started = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) await insertRows(store, 'send', rows.slice(i, i + BATCH));
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.error(`preparing ${EVENTS} simulated sends...`);
  const sends = simulatedSends();
  const normalizer = createNormalizer({ hasher: createHasher(HMAC_KEY), asn: await loadAsnDatabase(), clock: () => Date.parse('2026-11-24T00:00:00Z') });
  const rows = sends.map((s, i) => {
    const result = normalizer.send(s, i + 1);
    if (!result.ok) throw new Error(`simulated send rejected: ${JSON.stringify(result.rejected)}`);
    return result.row;
  });
  const cold: number[] = [];
  const warm: number[] = [];
  const raw: number[] = [];
  const bodies = ndjsonBodies(sends);
  const warmUp = ndjsonBodies(sends, 'warmup-');
  for (let run = 0; run < RUNS; run++) {
    cold.push(await endToEnd(bodies, undefined));
    raw.push(await rawInsert(rows));
    warm.push(await endToEnd(bodies, warmUp));
    console.error(`run ${run + 1}/${RUNS}: end to end cold ${fmt(cold[run]!)}, warm ${fmt(warm[run]!)} events/s; raw insert ${fmt(raw[run]!)} rows/s`);
  }
  const rawMedian = median(raw);
  const coldMedian = median(cold);
  const warmMedian = median(warm);
  const pct = (n: number) => `${((n / rawMedian) * 100).toFixed(0)} %`;
  const table = [
    '| measure | median | of raw insert | runs |',
    '| --- | --- | --- | --- |',
    `| HTTP NDJSON ingest end to end, cold number-block cache | ${fmt(coldMedian)} events/s | ${pct(coldMedian)} | ${cold.map(fmt).join(', ')} |`,
    `| HTTP NDJSON ingest end to end, warm number-block cache | ${fmt(warmMedian)} events/s | ${pct(warmMedian)} | ${warm.map(fmt).join(', ')} |`,
    `| raw insert of the same prepared rows | ${fmt(rawMedian)} rows/s | 100 % | ${raw.map(fmt).join(', ')} |`,
  ].join('\n');
  console.log(table);
  const best = Math.max(coldMedian, warmMedian);
  const verdict =
    `Targets: >= 100,000 events/s end to end: ${best >= 100_000 ? 'met' : 'NOT met'}; ` +
    `>= 40 % of raw insert: ${coldMedian / rawMedian >= 0.4 ? 'met (cold)' : warmMedian / rawMedian >= 0.4 ? 'met (warm only)' : 'NOT met'}.`;
  console.log(verdict);
  writeResultsSection(
    'ingest',
    [
      `Command: \`npm run bench:ingest\` (${EVENTS.toLocaleString('en-US')} simulated sends over ${new Set(sends.map((s) => (s.phone as string).slice(0, -3))).size.toLocaleString('en-US')} number blocks, NDJSON batches of ${BATCH}, ${CONCURRENCY} concurrent HTTP clients on loopback, ${RUNS} alternating runs; embedded chDB store, fresh data directory per run; the raw insert writes the same rows in the same batch size into the same tables, views and indexes).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, 2 cores.`,
      '',
      table,
      '',
      verdict,
      '',
      'Reading: end to end cannot beat the raw insert of the same rows, and on this 2-core machine chDB takes these',
      '24-column rows (with the rollup view, bloom indexes and ReplacingMergeTree) at the rate in the last row, so',
      'the absolute 100,000 events/s target is out of reach here whatever the collectors do; the ratio is what the',
      'collectors control. The warm runs store the warm-up pass too, so their store merges twice the data meanwhile.',
    ].join('\n'),
  );
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

await main();
