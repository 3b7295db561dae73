/**
 * Preloaded into this tree's Tollgate of bench/proxy-create-cost.ts with COST_LOOP_MONITOR_MS
 * (NODE_OPTIONS=--import): the event-loop delay histogram of /metrics (prom-client's, through
 * perf_hooks, which it reads when the metrics are registered) sampled every COST_LOOP_MONITOR_MS
 * instead of every 10 ms, to price that sampling's own wake-ups of a loop that otherwise sleeps
 * between creates.
 */
import perfHooks from 'node:perf_hooks';

const resolution = Number(process.env.COST_LOOP_MONITOR_MS);
const monitor = perfHooks.monitorEventLoopDelay;
perfHooks.monitorEventLoopDelay = (options) => monitor({ ...options, resolution });
