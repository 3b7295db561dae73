import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore, ensureDatabase, type Store } from '../store.ts';
import { loadMigrations, migrate, type Migration } from '../migrator.ts';
import { DEFAULT_RETENTION, storeConfigFromEnv, type StoreConfig } from '../store-config.ts';

/**
 * The server the store contract suite runs against (`npm run test:clickhouse`), or undefined for
 * the embedded engine. A separate variable from CLICKHOUSE_URL so that a shell pointed at a real
 * deployment never sends `npm test` there.
 */
function testServer(label: string): StoreConfig | undefined {
  const url = process.env.TOLLGATE_TEST_CLICKHOUSE_URL;
  if (!url) return undefined;
  const config = storeConfigFromEnv(
    {
      CLICKHOUSE_URL: url,
      CLICKHOUSE_USER: process.env.CLICKHOUSE_USER,
      CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD,
      CLICKHOUSE_CLUSTER: process.env.CLICKHOUSE_CLUSTER,
      CLICKHOUSE_DATABASE: `tollgate_test_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`,
    },
    '',
  );
  return config;
}

/**
 * A fresh, migrated store for one test file: an embedded store in its own temporary directory,
 * or a database of its own on the contract suite's server. It refuses any other location so a
 * test can never write into a real data directory or database. `migrations` stops the schema at
 * an older version, for tests of a migration on the data written before it.
 */
export async function openTempStore(
  label: string,
  migrations: Migration[] = loadMigrations(),
): Promise<{ store: Store; dataDir: string; dispose(): Promise<void> }> {
  const server = testServer(label);
  if (server?.kind === 'server') {
    await ensureDatabase(server);
    const store = createStore(server);
    await migrate(store, DEFAULT_RETENTION, migrations);
    return {
      store,
      dataDir: '',
      async dispose() {
        const onCluster = server.cluster ? ` ON CLUSTER ${server.cluster}` : '';
        await store.client.command({
          query: `DROP DATABASE IF EXISTS {db:Identifier}${onCluster} SYNC`,
          query_params: { db: server.database },
        });
        await store.close();
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), `tollgate-test-${label}-`));
  if (!dataDir.startsWith(tmpdir())) throw new Error(`refusing to use ${dataDir}: test stores live under ${tmpdir()}`);
  const store = createStore({ kind: 'embedded', dataDir });
  await migrate(store, DEFAULT_RETENTION, migrations);
  return {
    store,
    dataDir,
    async dispose() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
