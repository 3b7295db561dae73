/**
 * Preloaded into a Tollgate of bench:proxy with BENCH_TIMELINE (NODE_OPTIONS=--import): a timeline
 * of what its event loop did while the open loop's creates went through it, for
 * bench/create-timeline.ts to say what the slowest creates waited behind. Per create tagged with
 * the `x-bench-create` header: when the request reached the loop, when the relay's request to the
 * provider left, when the provider's answer reached the loop and when the answer to the caller was
 * written. Around them: every GC pause (PerformanceObserver), every stall of the loop (a 1 ms
 * timer that fired 2 ms or more late, with the loop thread's CPU and its wait for a core over the
 * stall from /proc/thread-self/schedstat), and the ingestor's and the proxy recorder's turns on
 * the loop (their diagnostics channels). SIGUSR2 writes what was gathered since the last SIGUSR2
 * to BENCH_TIMELINE_FILE (through a temporary name, then renamed) and starts again. Times are
 * epoch ms, comparable with the load generator's.
 */
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const file = process.env.BENCH_TIMELINE_FILE;
const TAG = 'x-bench-create';
const TICK_MS = 1;
// Twice the tick: a timer runs up to about a tick late on an idle loop.
const STALL_MS = 2;
// The channels the ingestor's flush and the recorder publish their turns on.
const CHANNELS = ['tollgate:ingest-flush', 'tollgate:proxy-record'];

const now = () => performance.timeOrigin + performance.now();
let creates = [];
let gc = [];
let stalls = [];
let marks = [];
const current = new AsyncLocalStorage();

// The request's whole handling runs in its create's context, so the relay's request knows whose it is.
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, request, response) {
  const tag = event === 'request' ? request.headers[TAG] : undefined;
  if (typeof tag !== 'string') return emit.apply(this, arguments);
  const create = { i: Number(tag), arrived: now(), relayed: NaN, answered: NaN, written: NaN };
  creates.push(create);
  response.on('finish', () => (create.written = now()));
  return current.run(create, () => emit.apply(this, arguments));
};
const request = http.request;
http.request = function () {
  const create = current.getStore();
  const outgoing = request.apply(this, arguments);
  if (create !== undefined && Number.isNaN(create.relayed)) {
    create.relayed = now();
    outgoing.on('response', () => (create.answered = now()));
  }
  return outgoing;
};

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gc.push([performance.timeOrigin + entry.startTime, entry.duration]);
}).observe({ entryTypes: ['gc'] });

for (const name of CHANNELS) subscribe(name, () => marks.push([now(), name]));

const schedstat = () => readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
let last = now();
let [lastCpuNs, lastWaitNs] = schedstat();
function tick() {
  const at = now();
  const [cpuNs, waitNs] = schedstat();
  if (at - last >= STALL_MS) stalls.push([last, at, (cpuNs - lastCpuNs) / 1e6, (waitNs - lastWaitNs) / 1e6]);
  last = at;
  lastCpuNs = cpuNs;
  lastWaitNs = waitNs;
  setTimeout(tick, TICK_MS).unref();
}
setTimeout(tick, TICK_MS).unref();

process.on('SIGUSR2', () => {
  const data = JSON.stringify({
    creates: creates.map((c) => [c.i, c.arrived, c.relayed, c.answered, c.written]),
    gc,
    stalls,
    marks,
  });
  creates = [];
  gc = [];
  stalls = [];
  marks = [];
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
});
