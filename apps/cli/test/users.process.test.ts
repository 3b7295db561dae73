import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/tollgate.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-users-cli-'));
const env = { ...process.env, TOLLGATE_DATA_DIR: dataDir, TOLLGATE_HMAC_KEY: 'cd'.repeat(32) };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs the CLI with `input` piped to its standard input, as a script would. */
function tollgate(input: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [BIN, ...args], { env, timeout: 120_000 }, (error, stdout, stderr) =>
      done({ stdout, stderr, code: error ? Number((error as { code?: number }).code ?? 1) : 0 }),
    );
    child.stdin!.end(input);
  });
}

describe('tollgate users', () => {
  it('add --help explains where the password comes from', async () => {
    const { stdout, code } = await tollgate('', 'users', 'add', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/standard input/);
  });

  it('adds a user with the password piped in, and lists it with its role and never the password', async () => {
    expect(await tollgate('night shift password\n', 'users', 'add', 'ana', '--role', 'oncall')).toMatchObject({
      code: 0,
      stdout: 'user "ana" saved with role oncall\n',
    });
    const listed = await tollgate('', 'users', 'list');
    expect(listed.stdout).toMatch(/^oncall\s+active\s+ana$/m);
    expect(listed.stdout).not.toContain('night shift');
  });

  it.each([
    ['an unknown role', ['users', 'add', 'bob', '--role', 'boss'], 'a long enough password', /unknown role "boss"/],
    ['a short password', ['users', 'add', 'bob', '--role', 'viewer'], 'short', /at least 12 characters/],
    ['a name with a space', ['users', 'add', 'bob smith', '--role', 'viewer'], 'a long enough password', /may hold only/],
  ])('refuses %s with exit 1 and says why', async (_name, args, input, message) => {
    const { code, stderr } = await tollgate(input, ...args);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });
});
