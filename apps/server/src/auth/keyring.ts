import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { listApiKeys, saveApiKey, type Store } from '@tollgate/store';
import { SCOPES, type Scope } from './scopes.ts';

export interface Principal {
  keyId: string;
  name: string;
  scopes: readonly Scope[];
}

export interface KeySummary {
  id: string;
  name: string;
  scopes: Scope[];
  created_at: number;
  revoked: boolean;
}

export interface Keyring {
  /** The principal a bearer token stands for, or null when it is unknown or revoked. */
  authenticate(token: string): Principal | null;
  /** Creates a key; the secret is returned once and only its hash is stored. */
  create(name: string, scopes: Scope[]): Promise<{ id: string; key: string }>;
  revoke(id: string): Promise<boolean>;
  list(): KeySummary[];
  /** Re-reads keys from the store (keys created by another instance or the CLI). */
  reload(): Promise<void>;
}

// Keys look like tg_<id>_<secret>: the id finds the record without a scan, the secret is 256 bits.
const KEY_PATTERN = /^tg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const ADMIN_KEY_ID = 'bootstrap-admin';

/**
 * API keys and the bootstrap admin key. Keys live in the store as SHA-256 hashes of their secret
 * and in memory for the request path, so authenticating costs a map lookup and one hash.
 */
export async function createKeyring(deps: { store: Store; adminKey: string; clock?: () => number }): Promise<Keyring> {
  const clock = deps.clock ?? Date.now;
  const adminHash = sha256(deps.adminKey);
  let records = new Map<string, Awaited<ReturnType<typeof listApiKeys>>[number]>();

  async function reload(): Promise<void> {
    records = new Map((await listApiKeys(deps.store)).map((r) => [r.id, r]));
  }
  await reload();

  return {
    authenticate(token) {
      const tokenHash = sha256(token);
      if (constantTimeEqual(tokenHash, adminHash)) return { keyId: ADMIN_KEY_ID, name: 'bootstrap admin', scopes: SCOPES };
      const match = KEY_PATTERN.exec(token);
      if (!match) return null;
      const record = records.get(match[1]!);
      if (!record || record.revoked || !constantTimeEqual(sha256(match[2]!), record.key_hash)) return null;
      return { keyId: record.id, name: record.name, scopes: record.scopes as Scope[] };
    },

    async create(name, scopes) {
      const id = randomBytes(8).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const record = { id, name, key_hash: sha256(secret), scopes, created_at: clock(), revoked: 0 as const, version: clock() };
      await saveApiKey(deps.store, record);
      records.set(id, record);
      return { id, key: `tg_${id}_${secret}` };
    },

    async revoke(id) {
      const record = records.get(id);
      if (!record || record.revoked) return false;
      const revoked = { ...record, revoked: 1 as const, version: Math.max(clock(), record.version + 1) };
      await saveApiKey(deps.store, revoked);
      records.set(id, revoked);
      return true;
    },

    list() {
      return [...records.values()].map((r) => ({
        id: r.id,
        name: r.name,
        scopes: r.scopes as Scope[],
        created_at: r.created_at,
        revoked: r.revoked === 1,
      }));
    },

    reload,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function constantTimeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
