import { randomBytes } from 'node:crypto';
import { loadOrCreateSecretFile } from './secret-file.ts';

/** The bootstrap admin key: TOLLGATE_ADMIN_KEY, else one generated once into the data directory. */
export function adminKeyFrom(env: NodeJS.ProcessEnv, dataDir: string): { key: string; source: 'env' | 'generated' | 'file' } {
  const fromEnv = env.TOLLGATE_ADMIN_KEY?.trim();
  if (fromEnv) {
    if (fromEnv.length < 16) throw new Error('TOLLGATE_ADMIN_KEY must be at least 16 characters: use a long random value.');
    return { key: fromEnv, source: 'env' };
  }
  const { value, created } = loadOrCreateSecretFile(dataDir, 'admin.key', () => `tg_admin_${randomBytes(24).toString('base64url')}`);
  return { key: value, source: created ? 'generated' : 'file' };
}
