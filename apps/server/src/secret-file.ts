import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads a secret kept in the data directory, creating it with `generate()` (mode 0600) the first
 * time. Used for the bootstrap admin key when TOLLGATE_ADMIN_KEY is unset, so that restarts keep it.
 */
export function loadOrCreateSecretFile(dataDir: string, name: string, generate: () => string): { value: string; created: boolean } {
  const path = join(dataDir, name);
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), created: false };
  mkdirSync(dataDir, { recursive: true });
  const value = generate();
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return { value, created: true };
}
