import type { Store } from '../store.ts';

export interface UserRecord {
  name: string;
  role: string;
  password_hash: string;
  created_at: number;
  disabled: 0 | 1;
  version: number;
}

export interface SessionRecord {
  id: string;
  token_hash: string;
  user_name: string;
  role: string;
  created_at: number;
  expires_at: number;
  revoked: 0 | 1;
  version: number;
}

/** Writes a user; a later version of the same name (new password, role, disable) replaces it. */
export async function saveUser(store: Store, record: UserRecord): Promise<void> {
  await store.client.insert({ table: 'users', values: [record], format: 'JSONEachRow' });
}

/** Every user at its latest version, disabled ones included (callers filter). */
export async function listUsers(store: Store): Promise<UserRecord[]> {
  const rs = await store.client.query({
    query: `SELECT name, role, password_hash, toUnixTimestamp64Milli(created_at) AS created_at, disabled, version
            FROM users FINAL ORDER BY name`,
    format: 'JSONEachRow',
  });
  return rs.json<UserRecord>();
}

export async function saveSession(store: Store, record: SessionRecord): Promise<void> {
  await store.client.insert({ table: 'sessions', values: [record], format: 'JSONEachRow' });
}

/** Sessions neither revoked nor expired at `nowMs`. */
export async function listLiveSessions(store: Store, nowMs: number): Promise<SessionRecord[]> {
  const rs = await store.client.query({
    query: `SELECT id, token_hash, user_name, role, toUnixTimestamp64Milli(created_at) AS created_at,
                   toUnixTimestamp64Milli(expires_at) AS expires_at, revoked, version
            FROM sessions FINAL
            WHERE revoked = 0 AND expires_at > {now:Int64}`,
    query_params: { now: nowMs },
    format: 'JSONEachRow',
  });
  return rs.json<SessionRecord>();
}
