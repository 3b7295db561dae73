import { createHash, timingSafeEqual } from 'node:crypto';
import { listUsers, saveUser, type Store, type UserRecord } from '@tollgate/store';
import { hashPassword, verifyPassword } from './password.ts';
import { isRole, type Role } from './roles.ts';

export interface User {
  name: string;
  role: Role;
}

export interface UserSummary extends User {
  created_at: number;
  disabled: boolean;
}

export interface Users {
  /** Creates the user, or replaces its role and password when the name exists (a removed name comes back). */
  put(name: string, role: Role, password: string): Promise<UserSummary>;
  /** A new role, a new password or both for a user who is not removed; null when there is none. */
  update(name: string, change: { role?: Role; password?: string }): Promise<UserSummary | null>;
  /**
   * Removes the user: a newer version of the row marked disabled, so who existed stays on record
   * and `put` can bring the name back. Null when there is no such user, or it is already removed.
   */
  remove(name: string): Promise<UserSummary | null>;
  /** The user these credentials belong to, or null; takes the same time whether the name exists or not. */
  verify(name: string, password: string): Promise<User | null>;
  list(): UserSummary[];
  reload(): Promise<void>;
}

/** The name under which the bootstrap admin key signs in until a user of that name is stored. */
export const BOOTSTRAP_ADMIN_NAME = 'admin';
export const MIN_PASSWORD_LENGTH = 12;

/**
 * People who sign in to the dashboard, with their role, kept in the store with scrypt password
 * hashes and in memory for lookups. Until an `admin` user is stored, `admin` signs in with the
 * bootstrap admin key (TOLLGATE_ADMIN_KEY) as password: that is how the first admin gets in.
 */
export async function createUsers(deps: { store: Store; bootstrapAdminPassword: string; clock?: () => number }): Promise<Users> {
  const clock = deps.clock ?? Date.now;
  const bootstrapDigest = sha256(deps.bootstrapAdminPassword);
  // Verifying against this for unknown names makes a wrong name cost as long as a wrong password.
  const decoyHash = await hashPassword(deps.bootstrapAdminPassword);
  let records = new Map<string, UserRecord>();

  async function reload(): Promise<void> {
    records = new Map((await listUsers(deps.store)).map((r) => [r.name, r]));
  }
  await reload();

  const summary = (r: UserRecord): UserSummary => ({
    name: r.name,
    role: r.role as Role,
    created_at: r.created_at,
    disabled: r.disabled === 1,
  });

  // Versions only grow, even when two changes land in the same millisecond.
  async function save(previous: UserRecord | undefined, next: Omit<UserRecord, 'created_at' | 'version'>): Promise<UserSummary> {
    const now = clock();
    const record: UserRecord = { ...next, created_at: previous?.created_at ?? now, version: Math.max(now, (previous?.version ?? 0) + 1) };
    await saveUser(deps.store, record);
    records.set(record.name, record);
    return summary(record);
  }

  const checkLength = (password: string) => {
    if (password.length < MIN_PASSWORD_LENGTH) throw new RangeError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  };

  return {
    async put(name, role, password) {
      checkLength(password);
      return save(records.get(name), { name, role, password_hash: await hashPassword(password), disabled: 0 });
    },

    async update(name, change) {
      const previous = records.get(name);
      if (!previous || previous.disabled === 1) return null;
      if (change.password !== undefined) checkLength(change.password);
      const password_hash = change.password === undefined ? previous.password_hash : await hashPassword(change.password);
      return save(previous, { name, role: change.role ?? previous.role, password_hash, disabled: 0 });
    },

    async remove(name) {
      const previous = records.get(name);
      if (!previous || previous.disabled === 1) return null;
      return save(previous, { name, role: previous.role, password_hash: previous.password_hash, disabled: 1 });
    },

    async verify(name, password) {
      const record = records.get(name);
      if (!record && name === BOOTSTRAP_ADMIN_NAME) {
        await verifyPassword(password, decoyHash);
        return timingSafeEqual(sha256(password), bootstrapDigest) ? { name, role: 'admin' } : null;
      }
      const matches = await verifyPassword(password, record?.password_hash ?? decoyHash);
      if (!record || !matches || record.disabled === 1 || !isRole(record.role)) return null;
      return { name: record.name, role: record.role };
    },

    list: () => [...records.values()].map(summary),
    reload,
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
