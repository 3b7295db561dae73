/**
 * The budgets file (`alert-rules/budgets.yaml`): monthly spend budgets per app, country or provider
 * that the budget-burn detector holds spend against. Read with the vocabulary's YAML reader, so a
 * mistake is reported like one in the breaker policy or the routing rules: file, line, key path.
 */
import { readYaml, type Located, type PolicyError, type YamlReader } from '@tollgate/vocabulary';
import type { Budget } from './detector-config.ts';

/** Estimated send costs are USD; a budget in another currency would need rates the detector does not have. */
export const BUDGET_CURRENCY = 'USD';
const TOP_KEYS = ['currency', 'budgets'] as const;
const SCOPE_KEYS = ['app', 'country', 'provider'] as const;
const BUDGET_KEYS = [...SCOPE_KEYS, 'monthly'] as const;
const COUNTRY_CODE = /^[A-Z]{2}$/;
/** A trillion dollars a month: past it the figure is a typo, not a budget. */
const MAX_MONTHLY_USD = 1e12;

export type BudgetsParse = { ok: true; budgets: Budget[] } | { ok: false; errors: PolicyError[] };

export function parseBudgetsFile(text: string, file: string): BudgetsParse {
  const reader = readYaml(text, file);
  const budgets = reader.root === undefined ? undefined : readBudgets(reader, reader.root);
  if (budgets === undefined || reader.errors.length > 0) {
    const errors = [...reader.errors].sort((a, b) => a.line - b.line);
    return { ok: false, errors: errors.length > 0 ? errors : [{ file, line: 1, path: '', message: 'not a budgets file' }] };
  }
  return { ok: true, budgets };
}

function readBudgets(reader: YamlReader, root: Located): Budget[] | undefined {
  // An empty file (or one with only comments) sets no budget.
  if (reader.isNone(root)) return [];
  const fields = reader.map(root, TOP_KEYS);
  if (fields === undefined) return undefined;
  const currencyAt = reader.required(fields, 'currency', root);
  const currency = currencyAt && reader.string(currencyAt);
  if (currency !== undefined && currency !== BUDGET_CURRENCY) {
    reader.fail(currencyAt!, `budgets are held against estimated costs in ${BUDGET_CURRENCY}: write currency: ${BUDGET_CURRENCY}`);
  }
  const listAt = fields.get('budgets');
  if (listAt === undefined || reader.isNone(listAt)) return [];
  const items = reader.list(listAt);
  if (items === undefined) return undefined;
  const budgets: Budget[] = [];
  const seen = new Map<string, number>();
  for (const itemAt of items) {
    const budget = readBudget(reader, itemAt);
    if (budget === undefined) continue;
    const key = SCOPE_KEYS.map((k) => budget.scope[k] ?? '*').join('|');
    const first = seen.get(key);
    if (first !== undefined) {
      reader.fail(itemAt, `the same scope already has a budget on line ${first}: keep one`);
      continue;
    }
    seen.set(key, itemAt.line);
    budgets.push(budget);
  }
  return budgets;
}

function readBudget(reader: YamlReader, at: Located): Budget | undefined {
  const fields = reader.map(at, BUDGET_KEYS);
  if (fields === undefined) return undefined;
  const scope: Budget['scope'] = {};
  for (const key of SCOPE_KEYS) {
    const valueAt = fields.get(key);
    if (valueAt === undefined) continue;
    const value = reader.string(valueAt);
    if (value === undefined) continue;
    if (key === 'country' && !COUNTRY_CODE.test(value)) {
      reader.fail(valueAt, `expected an ISO 3166 country code in capitals such as "US", got "${value}"`);
      continue;
    }
    scope[key] = value;
  }
  if (SCOPE_KEYS.every((key) => !fields.has(key))) {
    return reader.fail(at, `a budget needs a scope: one or more of ${SCOPE_KEYS.join(', ')}`);
  }
  const monthlyAt = reader.required(fields, 'monthly', at);
  const monthlyUsd = monthlyAt && reader.number(monthlyAt, { min: 0.01, max: MAX_MONTHLY_USD });
  if (monthlyUsd === undefined || Object.keys(scope).length !== SCOPE_KEYS.filter((k) => fields.has(k)).length) return undefined;
  return { scope, monthlyUsd };
}
