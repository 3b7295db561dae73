import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './support/run-cli.ts';
import { ANOMALY_KINDS, SEVERITIES } from '@tollgate/vocabulary';
import { createStore } from '@tollgate/store';

const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
const env = { ...process.env, TOLLGATE_DATA_DIR: dataDir, TOLLGATE_HMAC_KEY: 'cd'.repeat(32) };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const tollgate = (...args: string[]): Promise<CliResult> => runCli(args, env);

describe('tollgate CLI', () => {
  it.each([[[]], [['start']], [['serve']], [['migrate']], [['import-billing']], [['simulate']], [['keys']], [['keys', 'create']]])(
    '%j --help explains itself',
    async (args) => {
      const { stdout, code } = await tollgate(...args, '--help');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: tollgate/m);
    },
  );

  it('migrate applies the schema once and then reports it up to date', async () => {
    expect((await tollgate('migrate')).stdout).toMatch(/applied migrations: 1, 2, 3, 4, 5/);
    expect((await tollgate('migrate')).stdout).toMatch(/schema up to date/);
  });

  it('import-billing loads a CSV, reports bad lines with their line numbers, and counts a re-import as duplicates', async () => {
    const csv = join(dataDir, 'bill.csv');
    writeFileSync(
      csv,
      'message_id,date_sent,provider,country,price,currency\n' +
        'SM1,2026-11-20T10:00:00Z,twilio,GB,0.04,USD\n' +
        'SM2,2026-11-20T10:01:00Z,twilio,GB,not-a-number,USD\n' +
        'SM3,2026-11-20T10:02:00Z,twilio,FR,0.07,EUR\n',
    );
    const first = await tollgate('import-billing', csv);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/imported 2 billing lines, 0 duplicates, 1 rejected/);
    expect(first.stdout).toMatch(/line 3: cost/);
    expect((await tollgate('import-billing', csv)).stdout).toMatch(/imported 0 billing lines, 2 duplicates, 1 rejected/);
  });

  it('import-billing names a missing file and exits non-zero', async () => {
    const result = await tollgate('import-billing', join(dataDir, 'missing.csv'));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/cannot read .*missing\.csv/);
  });

  it('simulate --days fast-forwards history into the store with progress', async () => {
    const result = await tollgate('simulate', '--days', '1', '--rate', '10', '--no-scenarios');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/simulate.*100%/);
    const sends = Number(/simulated 1 day\(s\): (\d+) sends/.exec(result.stdout)?.[1]);
    expect(sends).toBeGreaterThan(5_000);
    const store = createStore({ kind: 'embedded', dataDir });
    try {
      const rs = await store.client.query({ query: 'SELECT toUInt64(sum(sends)) AS n FROM traffic_1m', format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ n: sends }]);
    } finally {
      await store.close();
    }
  });

  it('backtest writes its findings as [{ts, kind, scope, severity, action, observed, expected, contributors, facts...}] with a progress bar', async () => {
    // The day simulated above has no attacks; this one adds the demo's scenarios to it.
    const simulated = await tollgate('simulate', '--days', '1', '--rate', '10', '--seed', '7');
    expect(simulated.code, simulated.stderr).toBe(0);
    const out = join(dataDir, 'findings.json');
    const to = Math.floor(Date.now() / 60_000) * 60_000;
    const from = to - 12 * 3_600_000;
    const result = await tollgate('backtest', '--from', new Date(from).toISOString(), '--to', String(to), '--json', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/backtest.*100%/);
    const findings = JSON.parse(readFileSync(out, 'utf8')) as Array<Record<string, unknown>>;
    expect(findings.length).toBeGreaterThan(0);
    expect(result.stdout).toMatch(new RegExp(`720 minutes replayed in [\\d.]+ s: ${findings.length} finding\\(s\\)`));
    for (const finding of findings) {
      const keys = ['action', 'contributors', 'expected', 'facts', 'kind', 'observed', 'scope', 'severity', 'summary', 'ts', 'unit'];
      expect(
        keys.every((key) => key in finding),
        JSON.stringify(finding),
      ).toBe(true);
      expect(
        Object.keys(finding).every((key) => [...keys, 'level', 'narrowest'].includes(key)),
        JSON.stringify(finding),
      ).toBe(true);
      expect(Array.isArray(finding.contributors)).toBe(true);
      expect(
        Object.values(finding.facts as object).every((v) => ['number', 'string', 'boolean'].includes(typeof v)),
        JSON.stringify(finding),
      ).toBe(true);
      const ts = Date.parse(String(finding.ts));
      expect(ts).toBeGreaterThan(from);
      expect(ts).toBeLessThanOrEqual(to);
      expect(ANOMALY_KINDS).toContain(finding.kind);
      expect(SEVERITIES).toContain(finding.severity);
      expect(['block', 'challenge', 'alert']).toContain(finding.action);
      expect(typeof finding.observed).toBe('number');
      expect(typeof finding.expected).toBe('number');
      const scope = finding.scope as Record<string, unknown>;
      expect(Object.keys(scope).every((key) => ['app', 'flow', 'country', 'prefix', 'asn', 'provider'].includes(key))).toBe(true);
    }
  });

  it('backtest --policy replays the sends through a policy file and reports per app and flow', async () => {
    const policy = fileURLToPath(new URL('../../../alert-rules/breaker-policy.yaml', import.meta.url));
    const out = join(dataDir, 'policy-report.json');
    const to = Math.floor(Date.now() / 60_000) * 60_000;
    const from = to - 6 * 3_600_000;
    const result = await tollgate(
      'backtest',
      '--policy',
      policy,
      '--from',
      new Date(from).toISOString(),
      '--to',
      String(to),
      '--json',
      out,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/backtest.*100%/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      groups: { app: string; flow: string; sessions: number }[];
      total: { sessions: number; sends: number };
    };
    expect(report.total.sessions).toBeGreaterThan(0);
    expect(report.groups.reduce((n, g) => n + g.sessions, 0)).toBe(report.total.sessions);
    for (const g of report.groups) expect(result.stdout).toContain(`${g.app} ${g.flow}`);
    expect(result.stdout).toMatch(new RegExp(`${report.total.sends} sends replayed in [\\d.]+ s`));
  });

  it('backtest --policy names each mistake of the policy file with its line', async () => {
    const bad = join(dataDir, 'bad-policy.yaml');
    writeFileSync(bad, 'version: 1\nrisk:\n  tiers:\n    defaults: { medium: 80, high: 50 }\n');
    const result = await tollgate('backtest', '--policy', bad, '--from', '2026-11-24T09:00:00Z', '--to', '2026-11-24T10:00:00Z');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${bad}:4 risk.tiers.defaults: high (50) must not be below medium (80)`);
  });

  it('backtest refuses a range that ends before it starts', async () => {
    const result = await tollgate('backtest', '--from', '2026-11-24T10:00:00Z', '--to', '2026-11-24T09:00:00Z');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--from must be before --to/);
  });

  it('simulate refuses a bad --days with the fix', async () => {
    const result = await tollgate('simulate', '--days', 'zero');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--days must be a whole number above 0/);
  });

  it('keys create prints a key once and keys list shows it without the secret', async () => {
    const created = await tollgate('keys', 'create', '--name', 'signup-service', '--scopes', 'ingest,decide');
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^tg_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const listed = await tollgate('keys', 'list');
    expect(listed.stdout).toMatch(/active\s+ingest,decide\s+signup-service/);
    expect(listed.stdout).not.toContain(key.slice(20));
    const bad = await tollgate('keys', 'create', '--name', 'x', '--scopes', 'everything');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown scope\(s\) everything: choose from ingest, decide, operate, read, admin/);
  });

  it('keys revoke revokes a key by id, keys list shows it revoked, and a second revoke names the id it cannot find', async () => {
    const created = await tollgate('keys', 'create', '--name', 'leaked-service', '--scopes', 'ingest');
    expect(created.code, created.stderr).toBe(0);
    const id = /^tg_([0-9a-f]{16})_/.exec(created.stdout.trim())![1]!;
    const revoked = await tollgate('keys', 'revoke', id);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout.trim()).toBe(`revoked ${id}`);
    expect((await tollgate('keys', 'list')).stdout).toMatch(new RegExp(`^${id}\\s+revoked\\s+ingest\\s+leaked-service$`, 'm'));
    const again = await tollgate('keys', 'revoke', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no active key with id ${id}`);
  });
});
