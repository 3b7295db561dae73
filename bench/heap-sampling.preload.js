/**
 * Preloaded into a Tollgate of bench:proxy with BENCH_HEAP_PROFILE=DIR (NODE_OPTIONS=--import),
 * beside the timeline's preload, to say what outlives a scavenge and what each scavenge kept:
 *
 * - V8's sampling heap profiler, keeping only the samples that outlived a scavenge (those a minor
 *   GC collected are left out; those that reached the old generation and died there are kept), by
 *   the stack that allocated them. On each SIGUSR2 (the timeline's ask, after each open-loop run)
 *   the profile since the last one is written to DIR as `<path>-<n>.heapprofile` (Chrome DevTools
 *   reads it; bench/gc-survivors.ts tables it) and sampling starts again.
 * - V8's `--trace-gc-nvp` (refused in NODE_OPTIONS, so set here): a line per collection on stdout
 *   with its pause and the bytes it kept young (new_space_survived) and promoted, which bench:proxy
 *   copies to DIR as `<path>.gc-trace`.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';

const dir = process.env.BENCH_HEAP_PROFILE_DIR;
const name = process.env.BENCH_HEAP_PROFILE_NAME ?? String(process.pid);
// bench/gc-survivors.ts's RUN_MARK (a preload in plain JavaScript cannot import the TypeScript).
const RUN_MARK = '--- heap profile written';
// One sample every 16 KiB allocated on average: a few thousand samples a run, at a cost the loop hardly sees.
const SAMPLING_INTERVAL_BYTES = 16_384;
setFlagsFromString('--trace-gc-nvp');
const session = new Session();
session.connect();
// An in-process session answers synchronously, so each call's result is there when post returns.
const post = (method, params) => {
  let result;
  session.post(method, params, (error, answer) => {
    if (error) throw error;
    result = answer;
  });
  return result;
};
const start = () =>
  post('HeapProfiler.startSampling', {
    samplingInterval: SAMPLING_INTERVAL_BYTES,
    includeObjectsCollectedByMinorGC: false,
    includeObjectsCollectedByMajorGC: true,
  });
start();
let written = 0;
process.on('SIGUSR2', () => {
  const { profile } = post('HeapProfiler.stopSampling');
  writeFileSync(join(dir, `${name}-${++written}.heapprofile`), JSON.stringify(profile));
  // On stdout, between the trace's lines: bench/gc-survivors.ts splits the trace into runs here.
  process.stdout.write(`${RUN_MARK}\n`);
  start();
});
