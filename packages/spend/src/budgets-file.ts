import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseBudgetsFile, type Budget } from '@tollgate/detector';
import { BUDGETS_FILE } from '@tollgate/vocabulary';

/**
 * The spend budgets from `TOLLGATE_BUDGETS_FILE` (default: budgets.yaml in `TOLLGATE_RULES_DIR`,
 * ./alert-rules). No default file means no budgets; a file named in the environment must exist (a
 * typo in the path must not turn the finance alerts off). A file with errors stops the start
 * with each error's line, as the breaker policy does.
 */
export function loadBudgetsFile(env: NodeJS.ProcessEnv): Budget[] {
  const named = env.TOLLGATE_BUDGETS_FILE || undefined;
  const path = resolve(named ?? join(env.TOLLGATE_RULES_DIR ?? './alert-rules', BUDGETS_FILE));
  if (!existsSync(path)) {
    if (named) throw new Error(`TOLLGATE_BUDGETS_FILE names ${path}, which does not exist: fix the path or unset the variable`);
    return [];
  }
  const parsed = parseBudgetsFile(readFileSync(path, 'utf8'), path);
  if (parsed.ok) return parsed.budgets;
  const lines = parsed.errors.map((e) => `  ${e.file}:${e.line} ${e.path}: ${e.message}`);
  throw new Error(`${path} has ${parsed.errors.length} error(s); fix them and start again:\n${lines.join('\n')}`);
}
