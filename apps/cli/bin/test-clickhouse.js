#!/usr/bin/env node
// `npm run test:clickhouse`: the store contract suite (packages/store/test) against a ClickHouse
// server or cluster of yours, each test file in a database of its own that it drops at the end.
import { spawnSync } from 'node:child_process';

const HELP = `Usage: CLICKHOUSE_URL=http://host:8123 [CLICKHOUSE_USER=…] [CLICKHOUSE_PASSWORD=…] [CLICKHOUSE_CLUSTER=name] npm run test:clickhouse

Runs the store contract suite (migrations, the cluster form of the schema, inserts and their
deduplication, rollups and their repair, breakers, webhooks, delivery) against that server.
Each test file creates a database named tollgate_test_* and drops it when it ends; the user
needs CREATE DATABASE and DROP DATABASE. With CLICKHOUSE_CLUSTER the databases and tables are
made ON CLUSTER, as a deployment with that variable would make them.`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const url = process.env.CLICKHOUSE_URL?.trim();
if (!url) {
  console.error('CLICKHOUSE_URL is not set: give the HTTP address of the server to test (the embedded engine is tested by `npm test`).\n');
  console.error(HELP);
  process.exit(2);
}
try {
  const res = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
} catch (error) {
  console.error(
    `ClickHouse at ${url} does not answer /ping (${error instanceof Error ? error.message : error}): check the URL and that the server is up.`,
  );
  process.exit(2);
}
const run = spawnSync('npx', ['vitest', 'run', 'packages/store/test'], {
  stdio: 'inherit',
  env: { ...process.env, TOLLGATE_TEST_CLICKHOUSE_URL: url },
});
process.exit(run.status ?? 1);
