import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '@tollgate/store';
import { runCli } from './support/run-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'tollgate-migrate-dry-'));
// Stands where a ClickHouse server would be: the dry run must never connect to it.
let server: Server;
let connections = 0;
let serverUrl: string;
beforeAll(async () => {
  server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

const { CLICKHOUSE_URL: _url, CLICKHOUSE_CLUSTER: _cluster, CLICKHOUSE_DATABASE: _db, ...baseEnv } = process.env;
const MIGRATIONS = loadMigrations();

describe('tollgate migrate --dry-run', () => {
  it('prints the embedded form of the ledger, every migration and the retention, and opens no store', async () => {
    const dataDir = join(work, 'embedded');
    const result = await runCli(['migrate', '--dry-run'], { ...baseEnv, TOLLGATE_DATA_DIR: dataDir, TOLLGATE_RAW_RETENTION_DAYS: '30' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^-- tollgate migrate --dry-run: the embedded form, not connected/);
    expect(result.stdout).toContain('CREATE TABLE IF NOT EXISTS schema_migrations');
    for (const migration of MIGRATIONS)
      expect(result.stdout).toContain(`\n-- ${String(migration.version).padStart(3, '0')}_${migration.name}\n`);
    expect(result.stdout).toMatch(
      /-- parameters: table=sends_raw, days=30; settings: materialize_ttl_after_modify=0\nALTER TABLE \{table:Identifier\} MODIFY TTL/,
    );
    expect(result.stdout).not.toMatch(/ON CLUSTER|Distributed|CREATE DATABASE/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('prints the cluster form with CLICKHOUSE_CLUSTER: ON CLUSTER, Replicated*MergeTree, Distributed, without connecting', async () => {
    const result = await runCli(['migrate', '--dry-run'], {
      ...baseEnv,
      CLICKHOUSE_URL: serverUrl,
      CLICKHOUSE_CLUSTER: 'tollgate',
      CLICKHOUSE_DATABASE: 'fraud',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^-- tollgate migrate --dry-run: the cluster form \(ON CLUSTER tollgate\), not connected/);
    expect(result.stdout).toMatch(
      /-- database\n-- parameters: db=fraud\nCREATE DATABASE IF NOT EXISTS \{db:Identifier\} ON CLUSTER tollgate;/,
    );
    expect(result.stdout).toMatch(
      /CREATE TABLE IF NOT EXISTS sends_raw_local ON CLUSTER tollgate\n[^;]*ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}/,
    );
    expect(result.stdout).toMatch(
      /CREATE TABLE IF NOT EXISTS sends_raw ON CLUSTER tollgate AS sends_raw_local\nENGINE = Distributed\(tollgate, currentDatabase\(\), sends_raw_local/,
    );
    // Every table made on the nodes is replicated: no plain MergeTree engine is left in the cluster form.
    expect(result.stdout).not.toMatch(/ENGINE = (?!Replicated|Distributed)\w*MergeTree/);
    expect(result.stdout).toMatch(
      /-- parameters: table=traffic_1d_local, time=day, days=400[^\n]*\nALTER TABLE \{table:Identifier\} ON CLUSTER tollgate MODIFY TTL/,
    );
    for (const migration of MIGRATIONS)
      expect(result.stdout).toContain(`\n-- ${String(migration.version).padStart(3, '0')}_${migration.name}\n`);
    expect(connections).toBe(0);
  });

  it('refuses a cluster name that cannot be written into DDL, naming the variable', async () => {
    const result = await runCli(['migrate', '--dry-run'], { ...baseEnv, CLICKHOUSE_CLUSTER: 'tollgate; DROP TABLE x' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/CLICKHOUSE_CLUSTER must be a cluster name/);
  });
});
