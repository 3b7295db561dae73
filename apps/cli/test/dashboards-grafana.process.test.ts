import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.ts';

const DASHBOARDS = fileURLToPath(new URL('../../../dashboards/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tollgate-grafana-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const grafana = (...args: string[]) => runCli(['dashboards', 'grafana', ...args], process.env, 60_000);
const PANEL_FILES = readdirSync(DASHBOARDS).filter((name) => name.endsWith('.json')).length;

describe('tollgate dashboards grafana (child process)', () => {
  it('--check passes on the committed dashboards', async () => {
    const result = await grafana('--check', '--dir', DASHBOARDS, '--out', join(DASHBOARDS, 'grafana'));
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`${PANEL_FILES} Grafana dashboard(s) in`);
  });

  it('--check exits 1 naming a stale or missing file and writes nothing; without --check it writes them, and --check passes', async () => {
    const out = join(work, 'grafana');
    cpSync(join(DASHBOARDS, 'grafana'), out, { recursive: true });
    const [first, second] = readdirSync(out)
      .filter((name) => name.endsWith('.json'))
      .sort();
    writeFileSync(join(out, first!), '{}\n');
    rmSync(join(out, second!));
    const stale = await grafana('--check', '--dir', DASHBOARDS, '--out', out);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain(`${join(out, first!)} is out of date: run \`tollgate dashboards grafana\``);
    expect(stale.stdout).toContain(`${join(out, second!)} is out of date`);
    expect(readdirSync(out)).not.toContain(second);

    const written = await grafana('--dir', DASHBOARDS, '--out', out);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toContain(join(out, second!));
    expect((await grafana('--check', '--dir', DASHBOARDS, '--out', out)).code).toBe(0);
  });
});
