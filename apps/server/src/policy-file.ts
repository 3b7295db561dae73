import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseBreakerPolicy, type BreakerPolicy } from '@tollgate/breakers';

export const POLICY_FILE = 'breaker-policy.yaml';

/**
 * The breaker policy from `TOLLGATE_RULES_DIR` (default ./alert-rules), or undefined when there is
 * none. A file with errors stops the start with every error and its line: running on a policy
 * other than the one written down would be worse than not running.
 */
export function loadPolicyFile(env: NodeJS.ProcessEnv): BreakerPolicy | undefined {
  const path = join(resolve(env.TOLLGATE_RULES_DIR ?? './alert-rules'), POLICY_FILE);
  if (!existsSync(path)) return undefined;
  const parsed = parseBreakerPolicy(readFileSync(path, 'utf8'), path);
  if (parsed.ok) return parsed.policy;
  const lines = parsed.errors.map((e) => `  ${e.file}:${e.line} ${e.path}: ${e.message}`);
  throw new Error(`${path} has ${parsed.errors.length} error(s); fix them and start again:\n${lines.join('\n')}`);
}
