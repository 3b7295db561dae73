import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const VITEST = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const CONFIG = fileURLToPath(new URL('./fixtures/summary-reporter/vitest.config.ts', import.meta.url));
const CLOSING = /^tests: (\d+) passed, (\d+) failed, (\d+) skipped/;

/** vitest as a child process over some of the fixtures, with the root reporter only. */
async function vitest(filter: string): Promise<{ code: number; lastLine: string }> {
  // A child vitest must not think it runs inside this run's worker.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  let stdout: string;
  let code = 0;
  try {
    ({ stdout } = await run(process.execPath, [VITEST, 'run', '--config', CONFIG, filter], { env, timeout: 60_000 }));
  } catch (error) {
    ({ stdout, code } = error as { stdout: string; code: number });
  }
  return { code, lastLine: stdout.trim().split('\n').at(-1)! };
}

describe('the closing line of a test run agrees with its exit code', () => {
  it.each([
    { fixtures: 'passing', code: 0, passed: 1, failed: 0, skipped: 1 },
    { fixtures: 'failing-test', code: 1, passed: 1, failed: 1, skipped: 0 },
    { fixtures: 'failing-before-all', code: 1, passed: 0, failed: 2, skipped: 0, note: '2 did not run: a beforeAll failed' },
    { fixtures: 'failing-after-all', code: 1, passed: 1, failed: 1, skipped: 0, note: '1 outside tests' },
    { fixtures: 'failing-import', code: 1, passed: 0, failed: 1, skipped: 0, note: '1 outside tests' },
    { fixtures: 'fixture', code: 1, passed: 3, failed: 5, skipped: 1, note: '2 did not run: a beforeAll failed; 2 outside tests' },
    { fixtures: 'no-such-fixture', code: 1, passed: 0, failed: 1, skipped: 0, note: '1 outside tests' },
  ])('$fixtures: exit $code, $failed failed', async ({ fixtures, code, passed, failed, skipped, note }) => {
    const result = await vitest(fixtures);
    expect(result.code).toBe(code);
    const counts = CLOSING.exec(result.lastLine);
    expect(counts, result.lastLine).not.toBeNull();
    expect(counts!.slice(1).map(Number)).toEqual([passed, failed, skipped]);
    if (note) expect(result.lastLine).toContain(note);
    // The promise the line exists for: a failing run never reads as green.
    expect(result.code !== 0).toBe(Number(counts![2]) > 0);
  });
});
