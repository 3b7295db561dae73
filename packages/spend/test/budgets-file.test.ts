import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBudgetsFile } from '../src/budgets-file.ts';

const shipped = fileURLToPath(new URL('../../../alert-rules', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tollgate-budgets-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('budgets file', () => {
  it('loads the budgets shipped in alert-rules/', () => {
    const budgets = loadBudgetsFile({ TOLLGATE_RULES_DIR: shipped });
    expect(budgets.map((b) => Object.keys(b.scope)[0])).toEqual(expect.arrayContaining(['app', 'country', 'provider']));
  });

  it('reads the file TOLLGATE_BUDGETS_FILE names, wherever it is', () => {
    const path = join(scratch, 'finance.yaml');
    writeFileSync(path, 'currency: USD\nbudgets:\n  - country: UZ\n    monthly: 100\n');
    expect(loadBudgetsFile({ TOLLGATE_RULES_DIR: shipped, TOLLGATE_BUDGETS_FILE: path })).toEqual([
      { scope: { country: 'UZ' }, monthlyUsd: 100 },
    ]);
  });

  it('runs without budgets when the rules folder has none', () => {
    expect(loadBudgetsFile({ TOLLGATE_RULES_DIR: join(scratch, 'none') })).toEqual([]);
  });

  it('refuses a TOLLGATE_BUDGETS_FILE that does not exist', () => {
    expect(() => loadBudgetsFile({ TOLLGATE_BUDGETS_FILE: join(scratch, 'typo.yaml') })).toThrow(
      /TOLLGATE_BUDGETS_FILE names .*typo\.yaml/,
    );
  });

  it('refuses to start on a broken file, naming the file and the line', () => {
    writeFileSync(join(scratch, 'budgets.yaml'), 'currency: USD\nbudgets:\n  - app: shop\n    monthly: lots\n');
    expect(() => loadBudgetsFile({ TOLLGATE_RULES_DIR: scratch })).toThrow(/budgets\.yaml:4 budgets\[0\]\.monthly: expected a number/);
  });
});
