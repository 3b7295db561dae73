import type { Store } from '../store.ts';

export interface ApiKeyRecord {
  id: string;
  name: string;
  key_hash: string;
  scopes: string[];
  created_at: number;
  revoked: 0 | 1;
  version: number;
}

/** Writes a key record; a later version of the same id (revocation) replaces it. */
export async function saveApiKey(store: Store, record: ApiKeyRecord): Promise<void> {
  await store.client.insert({ table: 'api_keys', values: [record], format: 'JSONEachRow' });
}

/** All keys at their latest version, revoked ones included (callers filter). */
export async function listApiKeys(store: Store): Promise<ApiKeyRecord[]> {
  const rs = await store.client.query({
    query: `SELECT id, name, key_hash, scopes, toUnixTimestamp64Milli(created_at) AS created_at, revoked, version
            FROM api_keys FINAL ORDER BY created_at`,
    format: 'JSONEachRow',
  });
  return rs.json<ApiKeyRecord>();
}
