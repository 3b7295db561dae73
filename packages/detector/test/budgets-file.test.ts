import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBudgetsFile } from '../src/budgets-file.ts';

const SHIPPED = fileURLToPath(new URL('../../../alert-rules/budgets.yaml', import.meta.url));

describe('budgets file', () => {
  it('reads the shipped file: budgets per app, country and provider in USD', () => {
    const parsed = parseBudgetsFile(readFileSync(SHIPPED, 'utf8'), SHIPPED);
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    if (!parsed.ok) return;
    expect(parsed.budgets).toContainEqual({ scope: { app: 'social' }, monthlyUsd: 170_000 });
    expect(parsed.budgets).toContainEqual({ scope: { country: 'ID' }, monthlyUsd: 90_000 });
    expect(parsed.budgets).toContainEqual({ scope: { provider: 'twilio' }, monthlyUsd: 95_000 });
  });

  it('reads a budget on a combined scope', () => {
    const parsed = parseBudgetsFile('currency: USD\nbudgets:\n  - app: shop\n    country: BR\n    monthly: 2500.5\n', 'b.yaml');
    expect(parsed).toEqual({ ok: true, budgets: [{ scope: { app: 'shop', country: 'BR' }, monthlyUsd: 2500.5 }] });
  });

  it.each([
    ['an empty file', ''],
    ['no budgets', 'currency: USD\n'],
    ['budgets turned off', 'currency: USD\nbudgets: off\n'],
  ])('sets no budget for %s', (_case, text) => {
    expect(parseBudgetsFile(text, 'b.yaml')).toEqual({ ok: true, budgets: [] });
  });

  it.each([
    ['another currency', 'currency: EUR\nbudgets: []\n', 1, 'currency', /USD/],
    ['a missing currency', 'budgets: []\n', 1, '', /missing key "currency"/],
    ['an unknown top key', 'currency: USD\nbudget: []\n', 2, 'budget', /unknown key "budget"/],
    ['a budget without a scope', 'currency: USD\nbudgets:\n  - monthly: 10\n', 3, 'budgets[0]', /needs a scope/],
    ['a budget without an amount', 'currency: USD\nbudgets:\n  - app: shop\n', 3, 'budgets[0]', /missing key "monthly"/],
    ['a negative amount', 'currency: USD\nbudgets:\n  - app: shop\n    monthly: -5\n', 4, 'budgets[0].monthly', /from 0.01/],
    ['an amount in words', 'currency: USD\nbudgets:\n  - app: shop\n    monthly: lots\n', 4, 'budgets[0].monthly', /expected a number/],
    ['a lower-case country', 'currency: USD\nbudgets:\n  - country: br\n    monthly: 5\n', 3, 'budgets[0].country', /ISO 3166/],
    ['a typo in a key', 'currency: USD\nbudgets:\n  - app: shop\n    montly: 5\n', 4, 'budgets[0].montly', /unknown key "montly"/],
    [
      'the same scope twice',
      'currency: USD\nbudgets:\n  - app: shop\n    monthly: 5\n  - app: shop\n    monthly: 6\n',
      5,
      'budgets[1]',
      /line 3/,
    ],
    ['not YAML', 'currency: [USD\n', 2, '', /./],
  ])('refuses %s with its line and path', (_case, text, line, path, message) => {
    const parsed = parseBudgetsFile(text, 'b.yaml');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toContainEqual({ file: 'b.yaml', line, path, message: expect.stringMatching(message) });
  });
});
