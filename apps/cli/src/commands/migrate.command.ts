import type { Command } from 'commander';
import {
  assertClusterName,
  createStore,
  databaseStatement,
  ensureDatabase,
  migrate,
  migrationPlan,
  migrationStatus,
  retentionFromEnv,
  storeConfigFromEnv,
  type SchemaStatement,
} from '@tollgate/store';
import { resolve } from 'node:path';

/** `tollgate migrate`: applies pending migrations and retention settings, then prints the ledger state. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending schema migrations and retention TTLs to the configured store')
    .option('--dry-run', 'print the statements instead, without connecting: the embedded form, or the cluster form with CLICKHOUSE_CLUSTER')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate migrate\n  tollgate migrate --dry-run\n  CLICKHOUSE_CLUSTER=tollgate tollgate migrate --dry-run > cluster-ddl.sql\n' +
        '\nA dry run cannot read the ledger, so it lists every migration; the real run applies only the pending ones.',
    )
    .action(async (options: { dryRun?: boolean }) => {
      if (options.dryRun) {
        printPlan(process.env);
        return;
      }
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

/** The statements a migrate would send, with their bound parameters beside them, for an operator to read. */
function printPlan(env: NodeJS.ProcessEnv): void {
  // No connection is made, so the cluster form needs only the cluster's name, not CLICKHOUSE_URL.
  const clusterName = env.CLICKHOUSE_CLUSTER?.trim();
  const cluster = clusterName ? assertClusterName(clusterName) : undefined;
  const server = cluster !== undefined || Boolean(env.CLICKHOUSE_URL?.trim());
  const form = cluster !== undefined ? `cluster form (ON CLUSTER ${cluster})` : server ? 'single-server form' : 'embedded form';
  const sections = migrationPlan(retentionFromEnv(env), cluster);
  if (server) sections.unshift({ title: 'database', statements: [databaseStatement(env.CLICKHOUSE_DATABASE ?? 'tollgate', cluster)] });
  console.log(`-- tollgate migrate --dry-run: the ${form}, not connected; every migration is listed, a real run applies the pending ones`);
  for (const section of sections) {
    console.log(`\n-- ${section.title}`);
    for (const statement of section.statements) console.log(formatStatement(statement));
  }
}

function formatStatement(statement: SchemaStatement): string {
  const bound = [
    statement.params &&
      `parameters: ${Object.entries(statement.params)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')}`,
    statement.settings &&
      `settings: ${Object.entries(statement.settings)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')}`,
  ].filter(Boolean);
  return `${bound.length > 0 ? `-- ${bound.join('; ')}\n` : ''}${statement.query};`;
}
