import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OTHER_RULES_FILES } from '../src/rules-directory.ts';
import { runCli, type CliResult } from './support/run-cli.ts';

const SHIPPED = fileURLToPath(new URL('../../../alert-rules/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tollgate-rules-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const { PD_FRAUD_KEY: _fraud, PD_IAM_KEY: _iam, ...baseEnv } = process.env;
const PD_ENV = { PD_FRAUD_KEY: 'pd-fraud', PD_IAM_KEY: 'pd-iam' };

const tollgate = (args: string[], env: NodeJS.ProcessEnv = PD_ENV): Promise<CliResult> => runCli(args, { ...baseEnv, ...env }, 60_000);

/** A copy of the shipped rules, optionally with one file replaced. */
function rulesDir(name: string, files: Record<string, string> = {}): string {
  const dir = join(work, name);
  cpSync(SHIPPED, dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe('tollgate rules', () => {
  it.each([[['rules', 'lint']], [['rules', 'test']]])('%j --help explains itself with examples', async (args) => {
    const { stdout, code } = await tollgate([...args, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: tollgate rules/m);
    expect(stdout).toMatch(/Examples:\n {2}tollgate rules/);
  });

  it('lint exits 0 with a summary on a clean directory', async () => {
    const result = await tollgate(['rules', 'lint', '--dir', rulesDir('clean')]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^ok: 2 file\(s\), 4 owners \(fraud, iam, messaging-vendor, finance\).*every anomaly kind reaches an owner/,
    );
  });

  it('lint exits 1 and names file and line of each error', async () => {
    const broken = 'route:\n  receiver: fraud\n  routes:\n    - receiver: iam\n      matchers: [\'contry="US"\']\n';
    const dir = rulesDir('broken', { 'routing.yaml': broken });
    const result = await tollgate(['rules', 'lint', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${join(dir, 'routing.yaml')}:5 route.routes[0].matchers[0]: unknown label "contry"`);
    expect(result.stdout).toMatch(/1 error\(s\)/);
  });

  it('lint checks budgets.yaml too, with file and line', async () => {
    expect((await tollgate(['rules', 'lint', '--dir', SHIPPED])).stdout).toMatch(
      /; 7 budget\(s\) in budgets\.yaml; 0 proxy caller\(s\) in proxy\.yaml$/m,
    );
    const dir = rulesDir('budgets', { 'budgets.yaml': 'currency: USD\nbudgets:\n  - app: shop\n    monthly: lots\n' });
    const result = await tollgate(['rules', 'lint', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${join(dir, 'budgets.yaml')}:4 budgets[0].monthly: expected a number`);
  });

  it('lint checks proxy.yaml too, with file and line', async () => {
    const dir = rulesDir('proxy', {
      'proxy.yaml': 'twilio:\n  services:\n    VA0123456789abcdef0123456789abcdef:\n      app: shop\n      flow: checkout\n',
    });
    const result = await tollgate(['rules', 'lint', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `${join(dir, 'proxy.yaml')}:5 twilio.services.VA0123456789abcdef0123456789abcdef.flow: expected one of signup, login, recovery, step_up`,
    );
  });

  it('lint checks the breaker policy: a misspelt action fails with file and line, where it used to pass', async () => {
    const shipped = readFileSync(join(SHIPPED, 'breaker-policy.yaml'), 'utf8');
    const line = shipped.split('\n').findIndex((text) => /^\s+action: block\b/.test(text)) + 1;
    expect(line).toBeGreaterThan(0);
    const dir = rulesDir('policy', { 'breaker-policy.yaml': shipped.replace(/(\n\s+action: )block\b/, '$1blok') });
    const result = await tollgate(['rules', 'lint', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${join(dir, 'breaker-policy.yaml')}:${line} auto_trip[0].action:`);
    expect(result.stdout).toMatch(/1 error\(s\)/);
    expect((await tollgate(['rules', 'lint', '--dir', SHIPPED])).stdout).toMatch(/; \d+ auto-trip rule\(s\) in breaker-policy\.yaml;/);
  });

  it.each(OTHER_RULES_FILES.map((other) => other.file))('lint refuses a %s that is not what its package reads', async (file) => {
    expect(existsSync(join(SHIPPED, file)), `alert-rules/ ships ${file}`).toBe(true);
    const dir = rulesDir(`other-${file}`, { [file]: 'no_such_key: 1\n' });
    const result = await tollgate(['rules', 'lint', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${join(dir, file)}:1 no_such_key: unknown key`);
  });

  it('lint names an unset PagerDuty variable unless told to allow it', async () => {
    const dir = rulesDir('env');
    const strict = await tollgate(['rules', 'lint', '--dir', dir], { PD_IAM_KEY: 'pd-iam' });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/owners\.yaml:\d+ owners\[0\]\.pagerduty: environment variable PD_FRAUD_KEY is not set/);
    expect((await tollgate(['rules', 'lint', '--dir', dir, '--allow-unset-env'], {})).code).toBe(0);
  });

  it('test prints the owner, the copies, the channels, paging and the inhibit rules that could apply', async () => {
    const result = await tollgate([
      'rules',
      'test',
      '--dir',
      rulesDir('route'),
      '--kind',
      'conversion_drop',
      '--severity',
      'critical',
      '--country',
      'ID',
      '--provider',
      'twilio',
      '--cost-per-hour',
      '250',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^owner: fraud; copied: finance$/m);
    expect(result.stdout).toMatch(/route\.routes\[2\] -> fraud \(anomaly_response\)\n {2}slack: {3}#fraud-oncall\n {2}pages: {3}yes/);
    expect(result.stdout).toMatch(
      /route\.routes\[0\] -> finance \(finance\) \[continue: a copy\]\n {2}slack: {3}#finance-alerts\n {2}pages: {3}no/,
    );
    expect(result.stdout).toMatch(
      /inhibit rules that could apply:\n {2}.*routing\.yaml:\d+ inhibit_rules\[0\]: muted while an alert matching kind="delivery_failure" is open with equal provider, country/,
    );
  });

  it('test refuses an unknown kind with the list to choose from', async () => {
    const result = await tollgate(['rules', 'test', '--dir', rulesDir('kind'), '--kind', 'pumping']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown kind "pumping": choose from volume_spike, conversion_drop/);
  });
});
