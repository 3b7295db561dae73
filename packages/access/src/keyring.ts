import * as crypto from 'node:crypto';
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
  /**
   * Changes whenever a key may have stopped being valid (a revocation here, a reload of what other
   * instances did): whoever remembers a principal `authenticate` gave must ask again once it moves.
   */
  readonly generation: number;
}

// Keys look like tg_<id>_<secret>: the id finds the record without a scan, the secret is 256 bits.
const KEY_PATTERN = /^tg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const ADMIN: Principal = { keyId: 'bootstrap-admin', name: 'bootstrap admin', scopes: SCOPES };
// Keys already verified, by the SHA-256 of the whole token (a hash, so the lookup's timing tells
// nothing about a secret). Services send the same key on every request; past this many distinct
// keys the memo starts over.
const MAX_VERIFIED_KEYS = 10_000;

/**
 * API keys and the bootstrap admin key. Keys live in the store as SHA-256 hashes of their secret
 * and in memory for the request path, so authenticating costs one hash and a map lookup.
 */
export async function createKeyring(deps: {
  store: Store;
  adminKey: string;
  clock?: () => number;
  /** Dashboard sessions: a token that is not an API key is looked up here by the hash already made. */
  sessions?: { byTokenHash(tokenHash: string): Principal | null };
}): Promise<Keyring> {
  const clock = deps.clock ?? Date.now;
  const adminHash = sha256(deps.adminKey);
  let records = new Map<string, Awaited<ReturnType<typeof listApiKeys>>[number]>();
  const verified = new Map<string, Principal>();
  let generation = 0;

  async function reload(): Promise<void> {
    records = new Map((await listApiKeys(deps.store)).map((r) => [r.id, r]));
    verified.clear();
    generation++;
  }
  await reload();

  return {
    authenticate(token) {
      const tokenHash = sha256Hex(token);
      if (sameInConstantTime(tokenHash, adminHash)) return ADMIN;
      const known = verified.get(tokenHash);
      if (known) return known;
      const match = KEY_PATTERN.exec(token);
      if (!match) return deps.sessions?.byTokenHash(tokenHash) ?? null;
      const record = records.get(match[1]!);
      if (!record || record.revoked || !constantTimeEqual(sha256(match[2]!), record.key_hash)) return null;
      const principal = { keyId: record.id, name: record.name, scopes: record.scopes as Scope[] };
      if (verified.size >= MAX_VERIFIED_KEYS) verified.clear();
      verified.set(tokenHash, principal);
      return principal;
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
      verified.clear();
      generation++;
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

    get generation() {
      return generation;
    },
  };
}

// One-shot hashing (Node 20.12+) skips the hash object a request would otherwise build and drop.
const oneShotHash = (crypto as { hash?: typeof crypto.hash }).hash;

/**
 * Hex SHA-256 of a request's token, the form the memo and the sessions look it up by: hex straight
 * from the one-shot, with no hash object and no Buffer made and dropped on every request.
 */
function sha256Hex(text: string): string {
  return oneShotHash === undefined ? sha256(text) : oneShotHash('sha256', text, 'hex');
}

/** Two strings (hex digests, Authorization headers) are equal, in a time that does not tell where they differ. */
export function sameInConstantTime(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function constantTimeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
