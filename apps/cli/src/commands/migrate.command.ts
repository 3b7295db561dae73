import type { Command } from 'commander';
import { createStore, ensureDatabase, migrate, migrationStatus, retentionFromEnv, storeConfigFromEnv } from '@tollgate/store';
import { resolve } from 'node:path';

/** `tollgate migrate`: applies pending migrations and retention settings, then prints the ledger state. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending schema migrations and retention TTLs to the configured store')
    .action(async () => {
      const config = storeConfigFromEnv(process.env, resolve(process.env.TOLLGATE_DATA_DIR ?? './data'));
      await ensureDatabase(config);
      const store = createStore(config);
      try {
        const { applied } = await migrate(store, retentionFromEnv(process.env));
        const status = await migrationStatus(store);
        console.log(applied.length > 0 ? `applied migrations: ${applied.join(', ')}` : 'schema up to date: nothing to apply');
        console.log(`ledger: ${status.applied.length} applied, ${status.pending.length} pending`);
        if (status.changed.length > 0) {
          console.warn(`warning: migrations ${status.changed.join(', ')} changed after they were applied; add a new migration instead`);
        }
      } finally {
        await store.close();
      }
    });
}
