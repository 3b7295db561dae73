/**
 * The write path's share of the event loop (`npm run bench:ingest-write-path`): the collectors'
 * ingestor (group commit, duplicate check, send scopes, session counts) and the store's insert (the
 * TSV and the call into the embedded engine) fed rows the normalizer already made, 4 requests of
 * 5,000 at a time as bench:ingest's clients send them, into a fresh migrated store. The main
 * thread's CPU per event (from /proc: the event loop and nothing else) is what this part of
 * ingest takes from the one core that bounds the collectors' rate; the process's CPU adds the
 * engine's threads. `BENCH_BASELINE=DIR` runs another checkout's ingestor in the same rounds.
 * Writes the `ingest: the write path's share of the event loop` section of bench/RESULTS.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SendRow } from '@tollgate/events';
import type * as IngestPackage from '@tollgate/ingest';
import { createStore, DEFAULT_RETENTION, migrate } from '@tollgate/store';
import { loadAverages, median, writeResultsSection } from './results-file.ts';
import { simulatedSendRows } from './simulated-send-rows.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BASELINE_TREE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;
/** bench:ingest's requests: NDJSON batches of 5,000, 4 clients at a time. */
const BATCH = 5_000;
const CONCURRENCY = 4;
/** Linux reports a thread's CPU in clock ticks of 10 ms (USER_HZ = 100). */
const US_PER_TICK = 10_000;

/** This thread's user and system CPU in clock ticks (fields 14 and 15 of /proc/self/task/TID/stat). */
function mainThreadTicks(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

interface Sample {
  mainUs: number;
  processUs: number;
}

async function runOnce(ingest: typeof IngestPackage, rows: SendRow[]): Promise<Sample> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-write-path-'));
  const store = createStore({ kind: 'embedded', dataDir });
  try {
    await migrate(store, DEFAULT_RETENTION);
    const passThrough = ((value: unknown) => ({ ok: true, row: value })) as never;
    const ingestor = ingest.createIngestor({
      store,
      normalizers: { send: passThrough, verify: passThrough, billing: passThrough, receipt: passThrough },
    });
    // Fresh copies: the ingestor sets session_start on the rows it writes.
    const copies = rows.map((row) => ({ ...row }));
    let next = 0;
    const client = async () => {
      while (next < copies.length) {
        const from = next;
        next += BATCH;
        const items = copies.slice(from, from + BATCH).map((value, i) => ({ line: i + 1, value }));
        const result = await ingestor.submit('send', items);
        if (!result.ok || result.accepted !== items.length) throw new Error(`batch not stored: ${JSON.stringify(result).slice(0, 200)}`);
      }
    };
    const ticks = mainThreadTicks();
    const cpu = process.cpuUsage();
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
    const used = process.cpuUsage(cpu);
    const sample = {
      mainUs: ((mainThreadTicks() - ticks) * US_PER_TICK) / rows.length,
      processUs: (used.user + used.system) / rows.length,
    };
    await ingestor.close();
    return sample;
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows = await simulatedSendRows(EVENTS);
  const trees: { name: string; ingest: typeof IngestPackage }[] = [{ name: 'this tree', ingest: await import('@tollgate/ingest') }];
  if (BASELINE_TREE) {
    const url = pathToFileURL(join(BASELINE_TREE, 'packages/ingest/src/index.ts')).href;
    trees.push({ name: `BENCH_BASELINE (${BASELINE_TREE.split('/').pop()})`, ingest: (await import(url)) as typeof IngestPackage });
  }
  const loadBefore = loadAverages();
  const samples = trees.map(() => [] as Sample[]);
  for (let run = 0; run < RUNS; run++) {
    for (let t = 0; t < trees.length; t++) {
      const sample = await runOnce(trees[t]!.ingest, rows);
      samples[t]!.push(sample);
      console.error(
        `run ${run + 1}/${RUNS}, ${trees[t]!.name}: main thread ${sample.mainUs.toFixed(1)} us/event, process ${sample.processUs.toFixed(1)}`,
      );
    }
  }
  const table = [
    '| ingestor and insert, rows already normalized | main thread (event loop), us per event (median) | process, all threads, us per event (median) | each run: main / process |',
    '| --- | --- | --- | --- |',
    ...trees.map((tree, t) => {
      const runs = samples[t]!;
      const each = runs.map((s) => `${s.mainUs.toFixed(1)} / ${s.processUs.toFixed(1)}`).join(', ');
      return `| ${tree.name} | ${median(runs.map((s) => s.mainUs)).toFixed(1)} | ${median(runs.map((s) => s.processUs)).toFixed(1)} | ${each} |`;
    }),
  ].join('\n');
  console.log(table);
  writeResultsSection(
    "ingest: the write path's share of the event loop",
    [
      `Command: \`${BASELINE_TREE ? 'BENCH_BASELINE=DIR ' : ''}npm run bench:ingest-write-path\` (${EVENTS.toLocaleString('en-US')} simulated sends, normalized beforehand, submitted to the ingestor ${CONCURRENCY} requests of ${BATCH.toLocaleString('en-US')} at a time, each run on a fresh embedded store; ${RUNS} alternating runs; \`BENCH_EVENTS\`, \`BENCH_RUNS\` change the size).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, 2 cores shared with other work; load average (1, 5, 15 min) ${loadBefore} before, ${loadAverages()} after.`,
      '',
      table,
      '',
      "Reading: the main thread's CPU (10 ms ticks from /proc) is what the group commit, the duplicate check, the send scopes,",
      'the session counts, the TSV and the engine call take from the event loop; parsing, validation and normalization (bench:events)',
      "and HTTP come on top of it end to end. The process's CPU adds the embedded engine's insert, views and merges.",
    ].join('\n'),
  );
}

await main();
