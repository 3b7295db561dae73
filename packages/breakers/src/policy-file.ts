import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BREAKER_POLICY_FILE } from '@tollgate/vocabulary';
import { parseBreakerPolicy, type BreakerPolicy } from './breaker-policy.ts';

/**
 * The breaker policy from `TOLLGATE_RULES_DIR` (default ./alert-rules), or undefined when there is
 * none. A file with errors stops the start with every error and its line: running on a policy
 * other than the one written down would be worse than not running.
 */
export function loadPolicyFile(env: NodeJS.ProcessEnv): BreakerPolicy | undefined {
  const path = join(resolve(env.TOLLGATE_RULES_DIR ?? './alert-rules'), BREAKER_POLICY_FILE);
  if (!existsSync(path)) return undefined;
  return readPolicyFile(path, 'start');
}

/** The policy in `path`; its errors, each with file and line, make it throw with `retry` saying what to do again. */
export function readPolicyFile(path: string, retry: string): BreakerPolicy {
  const parsed = parseBreakerPolicy(readFileSync(path, 'utf8'), path);
  if (parsed.ok) return parsed.policy;
  const lines = parsed.errors.map((e) => `  ${e.file}:${e.line} ${e.path}: ${e.message}`);
  throw new Error(`${path} has ${parsed.errors.length} error(s); fix them and ${retry} again:\n${lines.join('\n')}`);
}
