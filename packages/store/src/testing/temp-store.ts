import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, type Store } from '../store.ts';
import { migrate } from '../migrator.ts';
import { DEFAULT_RETENTION } from '../store-config.ts';

/**
 * A fresh, migrated embedded store in its own temporary directory, for one test file. It refuses
 * any other location so a test can never write into a real data directory.
 */
export async function openTempStore(label: string): Promise<{ store: Store; dataDir: string; dispose(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `tollgate-test-${label}-`));
  if (!dataDir.startsWith(tmpdir())) throw new Error(`refusing to use ${dataDir}: test stores live under ${tmpdir()}`);
  const store = createStore({ kind: 'embedded', dataDir });
  await migrate(store, DEFAULT_RETENTION);
  return {
    store,
    dataDir,
    async dispose() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
