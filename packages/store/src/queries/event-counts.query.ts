import type { EventKind } from '@tollgate/events';
import type { Store } from '../store.ts';
import { RAW_TABLE } from '../tables.ts';

/**
 * Rows per raw table, counting each event id once (FINAL collapses duplicates not merged yet).
 * For status pages and tests; not for hot paths.
 */
export async function eventCounts(store: Store): Promise<Record<EventKind, number>> {
  const counts = {} as Record<EventKind, number>;
  for (const [kind, table] of Object.entries(RAW_TABLE) as [EventKind, string][]) {
    const rs = await store.client.query({
      query: 'SELECT count() AS n, uniqExact(event_id) AS ids FROM {table:Identifier} FINAL',
      query_params: { table },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: number; ids: number }>();
    counts[kind] = row?.n ?? 0;
  }
  return counts;
}
