import { createHash } from 'node:crypto';
import { ROW_COLUMNS, type EventKind, type RowsByKind } from '@tollgate/events';
import type { Store } from '../store.ts';
import type { StoreConfig } from '../store-config.ts';
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
  await store.client.insert({
    table: RAW_TABLE[kind],
    values: rows,
    format: 'JSONEachRow',
    clickhouse_settings: insertDeduplicationSettings(store.config, kind, rows),
  });
}

/**
 * On a cluster, an insert names its events (kind and sorted event ids, hashed) as its
 * deduplication token: an insert retried with the same events (after a timeout whose first try
 * did land, from this node or another) is dropped by the replicas, rollup views included, instead
 * of being counted again. ReplicatedMergeTree deduplicates by default; the settings say so
 * explicitly. Elsewhere the tables keep no deduplication log and nothing is added.
 */
export function insertDeduplicationSettings(
  config: StoreConfig,
  kind: EventKind,
  rows: readonly { event_id: string }[],
): Record<string, string | number> {
  if (config.kind !== 'server' || config.cluster === undefined) return {};
  const hash = createHash('sha256').update(kind);
  for (const id of rows.map((row) => row.event_id).sort()) hash.update('\0').update(id);
  return {
    insert_deduplicate: 1,
    deduplicate_blocks_in_dependent_materialized_views: 1,
    insert_deduplication_token: `${kind}-${hash.digest('hex')}`,
  };
}
