import type { EventKind } from '@tollgate/events';
import type { Store } from '../store.ts';
import { RAW_TABLE } from '../tables.ts';

/**
 * Streams the ids of events of one kind ingested since `sinceMs`, oldest first: after a restart
 * they rebuild the duplicate index, so a batch retried across the restart is still recognised.
 */
export async function* recentEventIds(store: Store, kind: EventKind, sinceMs: number): AsyncGenerator<string[]> {
  const rs = await store.client.query({
    query: `SELECT event_id FROM {table:Identifier}
            WHERE ingested_at >= fromUnixTimestamp64Milli({since:Int64})
            ORDER BY ingested_at`,
    query_params: { table: RAW_TABLE[kind], since: sinceMs },
    format: 'JSONCompactEachRow',
  });
  for await (const rows of rs.stream<[string]>()) {
    yield rows.map((row) => (row.json() as [string])[0]);
  }
}
