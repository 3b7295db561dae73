import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EMPTY_PROXY_CONFIG, parseProxyFile, type ProxyConfig } from '@tollgate/proxy';
import { PROXY_FILE } from '@tollgate/vocabulary';

/**
 * The provider proxy's map of callers from `TOLLGATE_RULES_DIR` (default ./alert-rules); without
 * one the proxy relays for nobody. A file with errors stops the start with every error and its
 * line, like the breaker policy: relaying for callers other than the ones written down would be worse.
 */
export function loadProxyFile(env: NodeJS.ProcessEnv): ProxyConfig {
  const path = join(resolve(env.TOLLGATE_RULES_DIR ?? './alert-rules'), PROXY_FILE);
  if (!existsSync(path)) return EMPTY_PROXY_CONFIG;
  const parsed = parseProxyFile(readFileSync(path, 'utf8'), path);
  if (parsed.ok) return parsed.config;
  const lines = parsed.errors.map((e) => `  ${e.file}:${e.line} ${e.path}: ${e.message}`);
  throw new Error(`${path} has ${parsed.errors.length} error(s); fix them and start again:\n${lines.join('\n')}`);
}
