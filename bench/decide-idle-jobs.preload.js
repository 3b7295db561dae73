/**
 * Preloaded into a Tollgate of bench/decide-idle.ts (NODE_OPTIONS=--import): what each job of the
 * server holds the event loop for. A job is named where its timer or immediate was first set (the
 * first frame of this repository's code: the breaker sync's `setInterval` in decision-runtime.ts,
 * node-cron's timer under detection-runtime.ts); a timer set while a job runs belongs to that job,
 * and so do the promise continuations and I/O callbacks it leads to (its queries' answers), carried
 * by an AsyncLocalStorage. Every callback's time on the loop (async_hooks before/after) is added to
 * its job, and the longest single turns are kept with their job. Requests are their own job
 * ("request"). A background job's callbacks also read the loop thread's CPU and its wait for a core
 * around them (/proc/thread-self/schedstat): on a shared machine a callback's wall time includes
 * the time the loop was descheduled. SIGUSR2 writes the table gathered since the last SIGUSR2 to
 * BENCH_JOBS_FILE (through a temporary name, then renamed) and starts again.
 */
import { AsyncLocalStorage, createHook, executionAsyncResource } from 'node:async_hooks';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { performance, PerformanceObserver } from 'node:perf_hooks';

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
/** The loop thread's CPU and wait for a core so far, ns (read around background jobs' callbacks only: a read costs a few us). */
const schedstat = () => readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
const stack = [];
createHook({
  before() {
    const name = stack.length === 0 ? job.getStore() : undefined;
    stack.push([performance.now(), name !== undefined && name !== 'request' ? schedstat() : undefined]);
  },
  after() {
    const top = stack.pop();
    if (top === undefined || stack.length > 0) return;
    const [from, sched] = top;
    const ms = performance.now() - from;
    const [cpuMs, waitMs] = sched === undefined ? [NaN, NaN] : schedstat().map((ns, i) => (ns - sched[i]) / 1e6);
    // Outside every job: named by what the callback answered (a socket's read, a native query's promise).
    const name = job.getStore() ?? `other: ${executionAsyncResource()?.constructor?.name ?? '?'}`;
    const entry = jobs.get(name) ?? { ms: 0, calls: 0, longestMs: 0, longestCpuMs: 0 };
    entry.ms += ms;
    entry.calls += 1;
    entry.longestMs = Math.max(entry.longestMs, ms);
    if (!Number.isNaN(cpuMs)) entry.longestCpuMs = Math.max(entry.longestCpuMs, cpuMs);
    jobs.set(name, entry);
    if (turns.length < KEPT_TURNS || ms > turns[turns.length - 1][1]) {
      turns.push([name, ms, cpuMs, waitMs]);
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
  });
  jobs = new Map();
  turns = [];
  gcPauses = [];
  started = performance.now();
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
});
