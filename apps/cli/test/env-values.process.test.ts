import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.ts';

const work = mkdtempSync(join(tmpdir(), 'tollgate-env-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a bad environment value stops the start before anything starts, naming the variable', () => {
  it.each([
    { command: ['start'], env: { PORT: 'abc' }, message: 'PORT must be a TCP port from 0 to 65535 (0 picks a free one), got "abc"' },
    { command: ['start'], env: { WEB_PORT: '' }, message: 'WEB_PORT must be a TCP port from 0 to 65535 (0 picks a free one), got ""' },
    { command: ['serve'], env: { REDIS_URL: 'localhost:6379' }, message: 'REDIS_URL must be a URL starting redis:// or rediss://' },
    { command: ['serve'], env: { TOLLGATE_MAX_BODY_BYTES: '8MB' }, message: 'TOLLGATE_MAX_BODY_BYTES must be a whole number of bytes' },
    { command: ['web'], env: { TOLLGATE_API_URL: 'http://127.0.0.1:8080', WEB_PORT: '3k' }, message: 'WEB_PORT must be a TCP port' },
  ])('tollgate $command.0 with $env', async ({ command, env, message }) => {
    const dataDir = join(work, Object.keys(env).join('-'));
    const result = await runCli(command, { ...process.env, TOLLGATE_DATA_DIR: dataDir, TOLLGATE_WEB: '0', ...env }, 60_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^tollgate: the environment has 1 problem\(s\); fix or unset:\n/);
    expect(result.stderr).toContain(message);
    // The store was never opened: the check comes first.
    expect(existsSync(dataDir)).toBe(false);
  });
});
