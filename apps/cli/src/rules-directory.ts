import type { RuleError } from '@tollgate/alerting';
import { parseBreakerPolicy } from '@tollgate/breakers';
import { parseBudgetsFile } from '@tollgate/detector';
import { parseProxyFile, type ProxyConfig } from '@tollgate/proxy';
import { BREAKER_POLICY_FILE, BUDGETS_FILE, PROXY_FILE } from '@tollgate/vocabulary';

export type RulesFileCheck = { ok: true; summary: string } | { ok: false; errors: RuleError[] };

/** A file of the rules directory that is not a routing file: the package it belongs to reads it (the routing loader skips it). */
export interface OtherRulesFile {
  file: string;
  /** Validates the file's text with its own package's parser, as that package does at start. */
  check(text: string, path: string): RulesFileCheck;
}

/**
 * Every file of the rules directory besides the routing files, one line each: the routing loader
 * skips them and `tollgate rules lint` checks each with its parser, so an operator's typo in any
 * file an operator edits is found before a start or a reload refuses it.
 */
export const OTHER_RULES_FILES: readonly OtherRulesFile[] = [
  {
    file: BREAKER_POLICY_FILE,
    check: (text, path) =>
      checked(parseBreakerPolicy(text, path), (p) => `${p.policy.autoTrip.length} auto-trip rule(s) in ${BREAKER_POLICY_FILE}`),
  },
  {
    file: BUDGETS_FILE,
    check: (text, path) => checked(parseBudgetsFile(text, path), (p) => `${p.budgets.length} budget(s) in ${BUDGETS_FILE}`),
  },
  {
    file: PROXY_FILE,
    check: (text, path) => checked(parseProxyFile(text, path), (p) => `${proxyCallers(p.config)} proxy caller(s) in ${PROXY_FILE}`),
  },
];

function checked<T extends { ok: true }>(parse: T | { ok: false; errors: RuleError[] }, summary: (parsed: T) => string): RulesFileCheck {
  return parse.ok ? { ok: true, summary: summary(parse) } : { ok: false, errors: parse.errors };
}

function proxyCallers(config: ProxyConfig): number {
  return config.twilio.services.size + config.twilio.accounts.size + config.vonage.apiKeys.size + config.vonage.applications.size;
}
