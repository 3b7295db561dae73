import { createHash, randomBytes } from 'node:crypto';
import { listLiveSessions, saveSession, type SessionRecord, type Store } from '@tollgate/store';
import type { Principal } from './keyring.ts';
import { scopesOf, type Role } from './roles.ts';
import type { User } from './users.ts';

export interface Session {
  id: string;
  user: User;
  expiresAt: number;
}

export interface Sessions {
  /**
   * The principal of a live session, by the SHA-256 (hex) of its token: the keyring hashes each
   * token once and asks here when it is not an API key. The principal's name is the user's name.
   */
  byTokenHash(tokenHash: string): Principal | null;
  /** A live session by id (a session principal's keyId is `session:<id>`), for "who am I". */
  get(id: string): Session | null;
  /** Opens a session; the token is returned once and only its hash is kept. */
  open(user: User): Promise<{ token: string; session: Session }>;
  /** Signs the session out at once; false when it was not live. */
  close(id: string): Promise<boolean>;
  /**
   * Signs out every live session of a user (removed, or given another role or password: a session
   * carries the role it was opened with). Read from the store, so sessions opened through another
   * instance end too; that instance forgets them at its next reload. Answers how many ended.
   */
  closeAllOf(userName: string): Promise<number>;
  /** Re-reads the live sessions: ones opened or closed through another instance count here too. */
  reload(): Promise<void>;
}

/** A session principal's keyId is this prefix and the session id. */
export const SESSION_KEY_PREFIX = 'session:';

// A working day and then some: on-call engineers keep the dashboard open through a shift.
export const DEFAULT_SESSION_TTL_MS = 12 * 3_600_000;

/**
 * Sessions of people signed in to the dashboard. Persisted in the store (so a restart does not sign
 * everyone out) and held in memory by token hash, so authenticating a session costs a map lookup
 * and an expiry check, like an API key.
 */
export async function createSessions(deps: { store: Store; ttlMs?: number; clock?: () => number }): Promise<Sessions> {
  const clock = deps.clock ?? Date.now;
  const ttlMs = deps.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  const live = new Map<string, { record: SessionRecord; principal: Principal }>();
  const tokenHashById = new Map<string, string>();
  const remember = (record: SessionRecord) => {
    tokenHashById.set(record.id, record.token_hash);
    live.set(record.token_hash, {
      record,
      principal: { keyId: `${SESSION_KEY_PREFIX}${record.id}`, name: record.user_name, scopes: scopesOf(record.role as Role) },
    });
  };
  const forget = (record: SessionRecord) => {
    live.delete(record.token_hash);
    tokenHashById.delete(record.id);
  };
  async function reload(): Promise<void> {
    const records = await listLiveSessions(deps.store, clock());
    live.clear();
    tokenHashById.clear();
    for (const record of records) remember(record);
  }
  await reload();

  async function revoke(record: SessionRecord): Promise<void> {
    forget(record);
    await saveSession(deps.store, { ...record, revoked: 1, version: Math.max(clock(), record.version + 1) });
  }

  function find(tokenHash: string) {
    const entry = live.get(tokenHash);
    if (!entry) return null;
    if (entry.record.expires_at <= clock()) {
      forget(entry.record);
      return null;
    }
    return entry;
  }
  const findById = (id: string) => find(tokenHashById.get(id) ?? '');

  return {
    reload,
    byTokenHash: (tokenHash) => find(tokenHash)?.principal ?? null,

    get(id) {
      const record = findById(id)?.record;
      return record ? { id: record.id, user: { name: record.user_name, role: record.role as Role }, expiresAt: record.expires_at } : null;
    },

    async open(user) {
      // tgs_ tells a session token from an API key (tg_) in headers and support tickets.
      const token = `tgs_${randomBytes(32).toString('base64url')}`;
      const now = clock();
      const record: SessionRecord = {
        id: randomBytes(8).toString('hex'),
        token_hash: createHash('sha256').update(token).digest('hex'),
        user_name: user.name,
        role: user.role,
        created_at: now,
        expires_at: now + ttlMs,
        revoked: 0,
        version: now,
      };
      await saveSession(deps.store, record);
      remember(record);
      return { token, session: { id: record.id, user, expiresAt: record.expires_at } };
    },

    async close(id) {
      const entry = findById(id);
      if (!entry) return false;
      await revoke(entry.record);
      return true;
    },

    async closeAllOf(userName) {
      const records = (await listLiveSessions(deps.store, clock())).filter((record) => record.user_name === userName);
      for (const record of records) await revoke(record);
      return records.length;
    },
  };
}
