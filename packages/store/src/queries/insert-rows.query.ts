import type { EventKind, RowsByKind } from '@tollgate/events';
import type { Store } from '../store.ts';
import { RAW_TABLE } from '../tables.ts';

/**
 * Inserts normalized rows of one kind in one statement. It resolves only once ClickHouse has
 * written the part, which is the moment the collectors may acknowledge the events.
 */
export async function insertRows<K extends EventKind>(store: Store, kind: K, rows: RowsByKind[K][]): Promise<void> {
  if (rows.length === 0) return;
  await store.client.insert({ table: RAW_TABLE[kind], values: rows, format: 'JSONEachRow' });
}
