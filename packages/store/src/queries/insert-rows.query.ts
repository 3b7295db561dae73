import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ROW_COLUMNS, type EventKind, type RowsByKind } from '@tollgate/events';
import type { Store } from '../store.ts';
import type { StoreConfig } from '../store-config.ts';
import { RAW_TABLE } from '../tables.ts';
import { toTsv } from '../tsv.ts';

/**
 * An insert's rows are not collapsed with each other on the way in: the collectors already dropped
 * repeated events and each view groups by its table's key, so the pass that collapses equal keys
 * of a new part (optimize_on_insert, on by default) finds nothing and costs the send schema about
 * 1 us a row (bench/RESULTS.md, "ingest: what each view and index costs"). Merges collapse as before.
 */
const INSERT_SETTINGS = { optimize_on_insert: 0 } as const;

/**
 * Rows turned into TSV between two turns of the event loop: about 1 ms of work at the ~2 us a send
 * row costs, so the text of a 20,000-row insert (the collectors' group commit gathers that many)
 * does not hold requests and timers for the 40 ms and more it takes in one piece, and a proxied
 * create waiting behind the text of a larger recorded batch waits about a millisecond.
 */
export const TSV_CHUNK_ROWS = 500;

/**
 * Inserts normalized rows of one kind in one statement. It resolves only once ClickHouse has
 * written the part, which is the moment the collectors may acknowledge the events. Both stores
 * take the same TSV text, made a chunk of rows a turn: the embedded engine through its raw insert,
 * a server as the body of the client's insert, in one Buffer. Handed row objects, the client wrote
 * each row's JSON on the event loop in one go and kept the text on the heap until the server
 * answered, long enough on a decide node to outlive a scavenge; a Buffer's bytes are off the heap
 * (bench/RESULTS.md, "Provider proxy: where the time goes").
 */
export async function insertRows<K extends EventKind>(store: Store, kind: K, rows: RowsByKind[K][]): Promise<void> {
  if (rows.length === 0) return;
  const columns = ROW_COLUMNS[kind] as readonly (keyof RowsByKind[K] & string)[];
  let tsv = '';
  for (let from = 0; from < rows.length; from += TSV_CHUNK_ROWS) {
    if (from > 0) await nextTurn();
    tsv += toTsv(rows.slice(from, from + TSV_CHUNK_ROWS), columns);
  }
  if (store.rawInsert) {
    await store.rawInsert(RAW_TABLE[kind], columns, tsv, INSERT_SETTINGS);
    return;
  }
  const settings = { ...INSERT_SETTINGS, ...insertDeduplicationSettings(store.config, kind, rows) };
  await store.client.insert({
    table: RAW_TABLE[kind],
    columns: columns as [string, ...string[]],
    // Not in object mode: the client sends a raw format's bytes as they are.
    values: Readable.from([Buffer.from(tsv)], { objectMode: false }),
    format: 'TabSeparated',
    clickhouse_settings: settings,
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
