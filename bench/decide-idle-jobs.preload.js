/**
 * Preloaded into a Tollgate of bench/decide-idle.ts (NODE_OPTIONS=--import): what each job of the
 * server holds the event loop for. A job is named where its timer or immediate was first set (the
 * first frame of this repository's code: the breaker sync's `setInterval` in decision-runtime.ts,
 * node-cron's timer under detection-runtime.ts); a timer set while a job runs belongs to that job,
 * and so do the promise continuations and I/O callbacks it leads to (its queries' answers), carried
 * by an AsyncLocalStorage. Every callback's time on the loop (async_hooks before/after) is added to
 * its job, and the longest single turns are kept with their job. Requests are their own job
 * ("request"). With BENCH_JOBS_DELAY=1, the loop's delay (max, p99) sampled every 1 ms. SIGUSR2 writes the table gathered since the last SIGUSR2 to
 * BENCH_JOBS_FILE (through a temporary name, then renamed) and starts again.
 */
import { AsyncLocalStorage, createHook, executionAsyncResource } from 'node:async_hooks';
import { renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

const file = process.env.BENCH_JOBS_FILE;
const ROOT = new URL('../', import.meta.url).href;
// The longest turns kept, longest first.
const KEPT_TURNS = 20;

const job = new AsyncLocalStorage();

const ROOT_PATH = fileURLToPath(ROOT);

/** `path:line` of a stack frame, relative to the repository (or from node_modules on). */
function place(frame) {
  const match = /(?:\(|at )(?:file:\/\/)?([^()]+?):(\d+):\d+\)?\s*$/.exec(frame);
  if (match === null) return frame.trim();
  return `${match[1].replace(ROOT_PATH, '').replace(/^.*node_modules\//, 'node_modules/')}:${match[2]}`;
}

/**
 * The job a timer set here belongs to: the repository's two innermost frames that set it (a helper
 * such as decision-runtime's `every` and its caller), else the running job's (node-cron re-arming
 * its timer), else the package that set it.
 */
function jobHere() {
  const frames = (new Error().stack ?? '').split('\n').slice(2);
  const own = frames.filter((f) => f.includes(ROOT_PATH) && !f.includes('/node_modules/') && !f.includes('decide-idle-jobs.preload'));
  if (own.length > 0) return own.slice(0, 2).map(place).join(' < ');
  const running = job.getStore();
  if (running !== undefined) return running;
  const pkg = frames.find((f) => f.includes('/node_modules/'));
  return place(pkg ?? frames[0] ?? 'unknown');
}

function wrap(set) {
  return function (callback, ...rest) {
    if (typeof callback !== 'function') return set.call(this, callback, ...rest);
    const name = jobHere();
    return set.call(this, (...args) => job.run(name, () => callback(...args)), ...rest);
  };
}
globalThis.setTimeout = wrap(globalThis.setTimeout);
globalThis.setInterval = wrap(globalThis.setInterval);
globalThis.setImmediate = wrap(globalThis.setImmediate);

const serverEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event) {
  if (event !== 'request') return serverEmit.apply(this, arguments);
  return job.run('request', () => serverEmit.apply(this, arguments));
};

let jobs = new Map();
let turns = [];
let started = performance.now();
// The loop's delays at 1 ms only when asked (BENCH_JOBS_DELAY=1): the sampling wakes an idle loop 1,000 times a second.
const sampleDelay = process.env.BENCH_JOBS_DELAY === '1';
const delay = sampleDelay ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
delay?.enable();
const stack = [];
createHook({
  before() {
    stack.push(performance.now());
  },
  after() {
    const from = stack.pop();
    if (from === undefined || stack.length > 0) return;
    const ms = performance.now() - from;
    // Outside every job: named by what the callback answered (a socket's read, a native query's promise).
    const name = job.getStore() ?? `other: ${executionAsyncResource()?.constructor?.name ?? '?'}`;
    const entry = jobs.get(name) ?? { ms: 0, calls: 0, longestMs: 0 };
    entry.ms += ms;
    entry.calls += 1;
    entry.longestMs = Math.max(entry.longestMs, ms);
    jobs.set(name, entry);
    if (turns.length < KEPT_TURNS || ms > turns[turns.length - 1][1]) {
      turns.push([name, ms]);
      turns.sort((a, b) => b[1] - a[1]);
      turns.length = Math.min(turns.length, KEPT_TURNS);
    }
  },
}).enable();

// Collections run inside whatever callback they interrupt: kept apart to tell a long turn's cause.
let gcPauses = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.duration >= 5) gcPauses.push(entry.duration);
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  const data = JSON.stringify({
    seconds: (performance.now() - started) / 1_000,
    jobs: [...jobs],
    turns,
    gcPausesMs: gcPauses.sort((a, b) => b - a).slice(0, KEPT_TURNS),
    delayMaxMs: delay && delay.max / 1e6,
    delayP99Ms: delay && delay.percentile(99) / 1e6,
  });
  jobs = new Map();
  turns = [];
  gcPauses = [];
  started = performance.now();
  delay?.reset();
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
});
