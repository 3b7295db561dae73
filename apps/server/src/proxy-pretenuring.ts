import { setFlagsFromString } from 'node:v8';
import type { NodeRole } from './node-roles.ts';

/**
 * Turns off V8's allocation-site pretenuring in a node that relays provider calls and does not
 * ingest. V8 allocates a site's objects straight in the old generation once most of them have
 * outlived a scavenge, and only a mark-compact frees them there; until then every young object they
 * point to is kept by each scavenge and promoted in turn. A decide node storing in a ClickHouse
 * server fell into this under a steady flow of relayed creates: its scavenges kept and promoted
 * about 2 MB each (what outlived them was mostly the relayed requests' own objects, node's HTTP
 * parsing and headers, fastify's and the relay's, long after their answers: a heap snapshot mid-run
 * held only the requests in flight), and half of the proxy's slowest creates waited behind one of
 * those longer pauses. Without pretenuring such a node keeps and promotes what the embedded layout
 * does, a third and an eighth of that (bench/RESULTS.md, "Provider proxy: where the time goes").
 * A node that also ingests keeps it: the collectors' batches of rows that live until their insert
 * are what pretenuring is for, and without it the write path took 0.1 to 1.5 µs more of the event
 * loop an event (bench/ingest-write-path.bench.ts, 4 alternating pairs). Called before the node
 * serves its first proxied call; V8 reads the flag whenever it weighs a site's survivals.
 */
export function stopPretenuring(roles: ReadonlySet<NodeRole>): void {
  if (roles.has('ingest')) return;
  setFlagsFromString('--no-allocation-site-pretenuring');
}
