import { ROW_COLUMNS, type EventKind, type RowsByKind } from '@tollgate/events';
import type { Store } from '../store.ts';
import { RAW_TABLE } from '../tables.ts';
import { toTsv } from '../tsv.ts';

/**
 * Inserts normalized rows of one kind in one statement. It resolves only once ClickHouse has
 * written the part, which is the moment the collectors may acknowledge the events. The embedded
 * engine takes TSV through its raw insert; a server takes JSONEachRow through the client.
 */
export async function insertRows<K extends EventKind>(store: Store, kind: K, rows: RowsByKind[K][]): Promise<void> {
  if (rows.length === 0) return;
  if (store.rawInsert) {
    const columns = ROW_COLUMNS[kind] as readonly (keyof RowsByKind[K] & string)[];
    await store.rawInsert(RAW_TABLE[kind], columns, toTsv(rows, columns));
    return;
  }
  await store.client.insert({ table: RAW_TABLE[kind], values: rows, format: 'JSONEachRow' });
}
