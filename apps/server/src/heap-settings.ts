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

/** Sets `heapFlagsFor(roles)` before the node serves; V8 reads both whenever it weighs them. */
export function applyHeapSettings(roles: ReadonlySet<NodeRole>): void {
  for (const flag of heapFlagsFor(roles)) setFlagsFromString(flag);
}
