/**
 * Would parsing and normalizing on worker threads pay on this machine? (`node apps/cli/bin/run-ts.js
 * bench/ingest-worker.bench.ts`). The collectors' per-event JavaScript before the ingestor (NDJSON
 * parsing, validation, normalization with the number-block caches cold, as bench:ingest's cold run)
 * runs over the same NDJSON bodies three ways in alternating rounds: on the event loop, on one
 * worker thread and on two, the rows coming back to the event loop by postMessage as the ingestor
 * would need them. It reports the event loop's busy time per event (what a worker frees it of,
 * less the copy of the rows back) and the process's CPU per event (what the copy adds to the two
 * cores). Writes the `ingest: parsing on worker threads` section of bench/RESULTS.md.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { createHasher, createNormalizer, loadAsnDatabase, parseBatch, type Normalizer, type SendRow } from '@tollgate/events';
import { median, writeResultsSection } from './results-file.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BATCH = 5_000;
/** Bodies each worker holds at once, so one is parsed while the rows of the other travel back. */
const IN_FLIGHT_PER_WORKER = 2;
const HMAC_KEY = Buffer.alloc(32, 7);
const NOW_MS = Date.parse('2026-11-24T00:00:00Z');

async function coldNormalizer(): Promise<Normalizer> {
  return createNormalizer({ hasher: createHasher(HMAC_KEY), asn: await loadAsnDatabase(), clock: () => NOW_MS });
}

function normalizeBody(normalizer: Normalizer, body: string): SendRow[] {
  const rows: SendRow[] = [];
  for (const { line, value } of parseBatch(body, 'ndjson').items) {
    const result = normalizer.send(value, line);
    if (result.ok) rows.push(result.row);
  }
  return rows;
}

/** The worker: one cold normalizer, a body in, its rows out. */
async function serveAsWorker(): Promise<void> {
  const normalizer = await coldNormalizer();
  parentPort!.on('message', (body: string) => parentPort!.postMessage(normalizeBody(normalizer, body)));
  parentPort!.postMessage('ready');
}

async function ndjsonBodies(): Promise<string[]> {
  const { createSimulator } = await import('@tollgate/simulator');
  const startMs = Date.parse('2026-11-16T00:00:00Z');
  const simulator = createSimulator({ seed: 7, startMs, sendsPerMinute: 1_000, scenarios: [] });
  const lines: string[] = [];
  for (let minute = 0; lines.length < EVENTS; minute++) {
    for (const event of simulator.generate(startMs + minute * 60_000, startMs + (minute + 1) * 60_000)) {
      if (event.kind === 'send' && lines.length < EVENTS) lines.push(JSON.stringify(event.body));
    }
  }
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i += BATCH) bodies.push(`${lines.slice(i, i + BATCH).join('\n')}\n`);
  return bodies;
}

interface Sample {
  loopUsPerEvent: number;
  cpuUsPerEvent: number;
}

/** Runs `work` and returns the event loop's busy time and the process's CPU (all threads) per event. */
async function sample(work: () => Promise<void>): Promise<Sample> {
  const loopBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  await work();
  const cpu = process.cpuUsage(cpuBefore);
  const loop = performance.eventLoopUtilization(loopBefore);
  return { loopUsPerEvent: (loop.active * 1000) / EVENTS, cpuUsPerEvent: (cpu.user + cpu.system) / EVENTS };
}

async function onEventLoop(bodies: string[]): Promise<Sample> {
  const normalizer = await coldNormalizer();
  return sample(async () => {
    for (const body of bodies) {
      normalizeBody(normalizer, body);
      // A request at a time, as the server takes them: the loop turns between bodies.
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
}

async function onWorkers(bodies: string[], count: number): Promise<Sample> {
  // Workers start from a tiny CommonJS script that loads tsx, then this file (whose worker half answers).
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const workers = await Promise.all(
    Array.from({ length: count }, async () => {
      const worker = new Worker(boot, { eval: true });
      await new Promise((resolve) => worker.once('message', resolve));
      return worker;
    }),
  );
  try {
    return await sample(
      () =>
        new Promise<void>((done, fail) => {
          let next = 0;
          let received = 0;
          for (const worker of workers) {
            const post = () => next < bodies.length && worker.postMessage(bodies[next++]);
            worker.on('error', fail);
            worker.on('message', (rows: SendRow[]) => {
              received += rows.length;
              if (received >= EVENTS) done();
              else post();
            });
            for (let i = 0; i < IN_FLIGHT_PER_WORKER; i++) post();
          }
        }),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

async function main(): Promise<void> {
  const bodies = await ndjsonBodies();
  const load = () =>
    loadavg()
      .map((n) => n.toFixed(2))
      .join(', ');
  const loadBefore = load();
  const ways = ['on the event loop', 'on one worker thread', 'on two worker threads'];
  const samples: Sample[][] = ways.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    samples[0]!.push(await onEventLoop(bodies));
    samples[1]!.push(await onWorkers(bodies, 1));
    samples[2]!.push(await onWorkers(bodies, 2));
    console.error(
      `run ${run + 1}/${RUNS}: ${ways.map((way, w) => `${way} ${samples[w]![run]!.loopUsPerEvent.toFixed(1)} / ${samples[w]![run]!.cpuUsPerEvent.toFixed(1)} us`).join('; ')}`,
    );
  }
  const us = (values: number[]) => values.map((v) => v.toFixed(1)).join(', ');
  const table = [
    '| parsing and normalizing | event loop busy per event, us (median) | process CPU per event, us (median) | each run, loop | each run, CPU |',
    '| --- | --- | --- | --- | --- |',
    ...ways.map((way, w) => {
      const loops = samples[w]!.map((s) => s.loopUsPerEvent);
      const cpus = samples[w]!.map((s) => s.cpuUsPerEvent);
      return `| ${way} | ${median(loops).toFixed(1)} | ${median(cpus).toFixed(1)} | ${us(loops)} | ${us(cpus)} |`;
    }),
  ].join('\n');
  console.log(table);
  writeResultsSection(
    'ingest: parsing on worker threads',
    [
      `Command: \`node apps/cli/bin/run-ts.js bench/ingest-worker.bench.ts\` (bench:ingest's ${EVENTS.toLocaleString('en-US')} simulated sends as NDJSON bodies of ${BATCH.toLocaleString('en-US')}, parsed and normalized with cold number-block caches; ${RUNS} alternating rounds; the rows come back to the event loop by postMessage; \`BENCH_EVENTS\`, \`BENCH_RUNS\` change the size).`,
      `Measured ${new Date().toISOString().slice(0, 10)} on ${process.platform} ${process.arch}, Node ${process.version}, 2 cores shared with other work; load average (1, 5, 15 min) ${loadBefore} before, ${load()} after.`,
      '',
      table,
      '',
      "Reading: the event loop's busy time is wall time while it runs, so a loaded machine stretches it (on the event loop it",
      'is the whole run); the process CPU is the steadier figure. A worker frees the event loop of the parsing and the',
      'normalization but not of the rows: receiving them back (structured clone) is what is left on it, and the copy adds',
      'to the CPU the two cores must find for every event.',
    ].join('\n'),
  );
}

if (isMainThread) await main();
else await serveAsWorker();
