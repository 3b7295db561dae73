import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { NodeRole } from './node-roles.ts';

/**
 * The process-wide V8 settings a node's roles call for.
 *
 * `--no-memory-reducer`, on a node that decides. V8's memory reducer waits for the allocation rate
 * to fall (a node whose traffic paused), then collects the whole heap and shrinks the young
 * generation to its smallest, so the first seconds of the next burst scavenge several times as
 * often while it grows back. Services ask /v1/decide before every send, so that burst is their
 * users' wait. bench:decide's servers pause between their runs: once an idle node stopped waking
 * every second (no breaker read from an embedded store), the reducer ran in every pause and a
 * decision cost 50.5 against 40.2 us of CPU (scavenges 32.8 against 8.9 per 10,000 decisions);
 * with the reducer off, 36.1 against 36.9 (bench/RESULTS.md, "decide: what an idle server spends
 * (by hand)"). The trade: a paused node keeps the heap its traffic grew until the next collection
 * its own allocations call for, instead of handing it back to the system while idle.
 *
 * `--no-allocation-site-pretenuring`, on a node that relays provider calls and does not ingest.
 * V8 allocates a site's objects straight in the old generation once most of them have outlived a
 * scavenge, and only a mark-compact frees them there; until then every young object they point to
 * is kept by each scavenge and promoted in turn. A decide node storing in a ClickHouse server fell
 * into this under a steady flow of relayed creates: its scavenges kept and promoted about 2 MB each
 * (what outlived them was mostly the relayed requests' own objects, node's HTTP parsing and headers,
 * fastify's and the relay's, long after their answers: a heap snapshot mid-run held only the
 * requests in flight), and half of the proxy's slowest creates waited behind one of those longer
 * pauses. Without pretenuring such a node keeps and promotes what the embedded layout does, a third
 * and an eighth of that (bench/RESULTS.md, "Provider proxy: where the time goes"). A node that also
 * ingests keeps it: the collectors' batches of rows that live until their insert are what
 * pretenuring is for, and without it the write path took 0.1 to 1.5 µs more of the event loop an
 * event (bench/ingest-write-path.bench.ts, 4 alternating pairs).
 */
export function heapFlagsFor(roles: ReadonlySet<NodeRole>): string[] {
  if (!roles.has('decide')) return [];
  return roles.has('ingest') ? ['--no-memory-reducer'] : ['--no-memory-reducer', '--no-allocation-site-pretenuring'];
}

/**
 * Flags V8 takes only when node starts, for a node with these roles on `cores` cores
 * (`os.availableParallelism()`, which counts the cores the process may run on).
 *
 * `--single-threaded-gc`, on a node that decides and does not ingest, alone on one core (a
 * proxying decide node pinned to its core). V8 otherwise collects with helper threads, which on
 * one core take that core from the event loop at any moment: concurrent marking and sweeping, and
 * the helpers of each scavenge, which the loop then waits for. With the collector on the loop's own
 * thread, in the same quiet rounds of relayed creates arriving at 160 a second against a provider
 * answering after 300 ms, the loop waited 3.5 against 8.9 ms a second for its core, the helpers
 * took 4.4 against 8.4 ms a second, GC pauses were 2.2 against 2.4 ms a second, and the proxy added
 * +1.9 against +2.7 ms at p99 and +4.6 against +9.9 ms at p99.9 (bench/RESULTS.md, "Provider proxy:
 * the collector on the loop's own thread (by hand)"). V8 refuses it in `NODE_OPTIONS` and aborts
 * when it is set on a running isolate, so the node's command line carries it
 * (`node --single-threaded-gc apps/cli/bin/tollgate.js serve`). A node with more cores keeps the
 * helpers: they run beside the loop there. A node that ingests keeps them: it was not measured so.
 */
export function startFlagsFor(roles: ReadonlySet<NodeRole>, cores: number): string[] {
  return roles.has('decide') && !roles.has('ingest') && cores === 1 ? ['--single-threaded-gc'] : [];
}

/** The start flags a node of `roles` on `cores` cores should have had and was not started with. */
export function missingStartFlags(roles: ReadonlySet<NodeRole>, cores: number, execArgv: readonly string[]): string[] {
  return startFlagsFor(roles, cores).filter((flag) => !execArgv.includes(flag));
}

/** Sets `heapFlagsFor(roles)` before the node serves; V8 reads both whenever it weighs them. */
export function applyHeapSettings(roles: ReadonlySet<NodeRole>): void {
  for (const flag of heapFlagsFor(roles)) setFlagsFromString(flag);
}

/** Says at start which start flags this node lacks for its roles and cores, and the command that has them. */
export function warnOfMissingStartFlags(roles: ReadonlySet<NodeRole>, logger: { warn(fields: object, message: string): void }): void {
  const flags = missingStartFlags(roles, availableParallelism(), process.execArgv);
  if (flags.length === 0) return;
  logger.warn(
    { flags },
    `a decide node alone on one core: start it as \`node ${flags.join(' ')} apps/cli/bin/tollgate.js serve\` (V8's collector helpers otherwise take the event loop's core)`,
  );
}
