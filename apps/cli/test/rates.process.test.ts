/**
 * `tollgate rates import` as a child process on its own embedded store: a rate card with a bad row
 * (stored rows, the bad one as FILE:line field: reason, progress on stderr), a commitments file, a
 * file with nothing valid (exit 1), and its help.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './support/run-cli.ts';
import { createStore, listProviderCommitments, listRateCards } from '@tollgate/store';

const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-rates-'));
const env = { ...process.env, TOLLGATE_DATA_DIR: dataDir, TOLLGATE_HMAC_KEY: 'cd'.repeat(32) };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const tollgate = (...args: string[]): Promise<CliResult> => runCli(args, env);

function file(name: string, text: string): string {
  const path = join(dataDir, name);
  writeFileSync(path, text);
  return path;
}

async function stored<T>(read: (store: ReturnType<typeof createStore>) => Promise<T>): Promise<T> {
  const store = createStore({ kind: 'embedded', dataDir });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

describe('tollgate rates import', () => {
  it('--help shows both file layouts', async () => {
    const { stdout, code } = await tollgate('rates', 'import', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: tollgate rates import \[options\] <file>/m);
    expect(stdout).toContain('provider,country,price,currency,effective_from');
    expect(stdout).toContain('provider,monthly_minimum,effective_from');
  });

  it('stores the good rows of a rate card, names the bad one by file and line, and shows progress', async () => {
    const csv = file(
      'twilio.csv',
      'provider,country,price,currency,effective_from\ntwilio,US,0.0083,USD,2026-01-01\ntwilio,US,cheap,USD,2026-06-01\ntwilio,GB,0.04,USD,2026-01-01\n',
    );
    const result = await tollgate('rates', 'import', csv);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('imported 2 rate card rows, 1 rejected');
    expect(result.stdout).toContain(`${csv}:3 price: expected a non-negative number`);
    expect(result.stderr).toMatch(/import: 100% \(2\/2 rows\)/);
    const cards = await stored((store) => listRateCards(store));
    expect(cards.map((c) => [c.provider, c.country, c.price_usd, c.source])).toEqual([
      ['twilio', 'GB', 0.04, 'twilio.csv'],
      ['twilio', 'US', 0.0083, 'twilio.csv'],
    ]);
  });

  it('imports commitments, told by the header', async () => {
    const result = await tollgate(
      'rates',
      'import',
      file('minimums.csv', 'provider,monthly_minimum,effective_from\ntwilio,50000,2026-12\n'),
    );
    expect(result.stdout).toContain('imported 1 commitments, 0 rejected');
    expect(
      (await stored((store) => listProviderCommitments(store))).map((c) => [
        c.provider,
        c.monthly_minimum_usd,
        new Date(c.effective_from).toISOString(),
      ]),
    ).toEqual([['twilio', 50000, '2026-12-01T00:00:00.000Z']]);
  });

  it('exits 1 when no row is valid', async () => {
    const result = await tollgate('rates', 'import', file('bad.csv', 'provider,country,price,effective_from\ntwilio,ZZ,0.01,2026-01-01\n'));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('imported 0 rate card rows, 1 rejected');
    expect(result.stdout).toMatch(/bad\.csv:2 country: expected an ISO 3166 country code/);
  });
});
