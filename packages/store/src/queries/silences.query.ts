import type { Store } from '../store.ts';

export interface SilenceRecord {
  id: string;
  version: number;
  matchers: string[];
  author: string;
  reason: string;
  starts_at: number;
  ends_at: number;
  created_at: number;
  deleted: 0 | 1;
}

/** Writes a silence's new version (created, expired early, deleted). Query name: silences.save. */
export async function saveSilence(store: Store, record: SilenceRecord): Promise<void> {
  await store.client.insert({ table: 'silences', values: [record], format: 'JSONEachRow' });
}

/**
 * Silences not deleted and not ended at `atMs` (future ones included: they are scheduled), at
 * their latest version. In WHERE, `ends_at` is the select's alias, already epoch ms (ClickHouse
 * resolves aliases before columns). Query name: silences.live.
 */
export async function liveSilences(store: Store, atMs: number): Promise<SilenceRecord[]> {
  const rs = await store.client.query({
    query: `SELECT id, version, matchers, author, reason, toUnixTimestamp64Milli(starts_at) AS starts_at,
                   toUnixTimestamp64Milli(ends_at) AS ends_at, toUnixTimestamp64Milli(created_at) AS created_at, deleted
            FROM silences FINAL
            WHERE deleted = 0 AND ends_at > {at:Int64}
            ORDER BY starts_at, id`,
    query_params: { at: atMs },
    format: 'JSONEachRow',
  });
  return rs.json<SilenceRecord>();
}
