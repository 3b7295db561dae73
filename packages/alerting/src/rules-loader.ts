import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BREAKER_POLICY_FILE, BUDGETS_FILE, PROXY_FILE } from '@tollgate/vocabulary';
import { parseRules, type RulesEnv, type RulesFile, type RulesParse } from './rules-parser.ts';
import type { AlertingConfig, RuleError } from './rules-config.ts';

/** Live in the same folder but belong to the breakers and detector packages, which read them themselves. */
const NOT_ROUTING_FILES: ReadonlySet<string> = new Set([BREAKER_POLICY_FILE, BUDGETS_FILE, PROXY_FILE]);
const RULES_FILE = /\.ya?ml$/;
/**
 * Editors save with several writes and renames in a row; reloading once they have settled avoids
 * reading a half-written file and reporting an error that is gone a moment later.
 */
export const RELOAD_DEBOUNCE_MS = 100;

/** What an unset PagerDuty variable reads as where a missing key must not stop routing. */
export const UNSET_ENV_VALUE = '(unset)';

/**
 * The environment with every unset variable reading as `UNSET_ENV_VALUE`: the rules load, Slack
 * still hears about everything, and a page to an unset key fails at send time naming the variable.
 */
export function lenientEnv(env: RulesEnv): RulesEnv {
  return new Proxy(env, { get: (target, name) => (typeof name === 'string' ? target[name] || UNSET_ENV_VALUE : undefined) });
}

/** The PagerDuty variables the rules name that are not set: pages to them cannot go out. */
export function unsetPagerDutyVariables(config: AlertingConfig): string[] {
  const targets = [...config.owners.values()].flatMap((owner) => [
    owner.pagerduty,
    ...owner.escalation.map((contact) => contact.pagerduty),
  ]);
  return [...new Set(targets.filter((target) => target?.routingKey === UNSET_ENV_VALUE).map((target) => target!.envVar))].sort();
}

/** A destination the rules name that cannot be reached here, and the setting that fixes it. */
export interface UnreachableTarget {
  owner: string;
  channel: 'slack' | 'pagerduty' | 'webhook';
  /** The Slack channel, the PagerDuty variable or the webhook URL the rules name. */
  target: string;
  reason: string;
}

/**
 * Every owner's destination that would fail if an incident came now: a PagerDuty variable that is
 * not set, Slack without a bot token, a webhook without the signing secret. The rules page shows
 * them as a banner, so nobody believes an owner is paged who is not.
 */
export function unreachableTargets(config: AlertingConfig, configured: { slack: boolean; webhook: boolean }): UnreachableTarget[] {
  const all = [...config.owners.values()].flatMap((owner): UnreachableTarget[] => [
    ...[owner.pagerduty, ...owner.escalation.map((contact) => contact.pagerduty)]
      .filter((target) => target?.routingKey === UNSET_ENV_VALUE)
      .map((target) => ({
        owner: owner.name,
        channel: 'pagerduty' as const,
        target: target!.envVar,
        reason: `${target!.envVar} is not set: pages fail`,
      })),
    ...(owner.slack !== undefined && !configured.slack
      ? [{ owner: owner.name, channel: 'slack' as const, target: owner.slack, reason: 'SLACK_BOT_TOKEN is not set: Slack messages fail' }]
      : []),
    ...(owner.webhook !== undefined && !configured.webhook
      ? [
          {
            owner: owner.name,
            channel: 'webhook' as const,
            target: owner.webhook,
            reason: 'TOLLGATE_ALERT_WEBHOOK_SECRET is not set: webhooks fail',
          },
        ]
      : []),
  ]);
  // An owner's escalation contacts often share its PagerDuty key: each destination once.
  return [...new Map(all.map((target) => [`${target.owner}\n${target.channel}\n${target.target}`, target])).values()];
}

/** The alert-routing files of `dir` (every *.yaml but the breaker policy and the budgets), read and validated as one config. */
export async function loadRules(dir: string, env: RulesEnv): Promise<RulesParse> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => RULES_FILE.test(name) && !NOT_ROUTING_FILES.has(name)).sort();
  } catch (error) {
    return {
      ok: false,
      errors: [{ file: dir, line: 0, path: '', message: `cannot read the rules directory: ${(error as Error).message}` }],
    };
  }
  if (names.length === 0)
    return {
      ok: false,
      errors: [{ file: dir, line: 0, path: '', message: `no alert-routing files (*.yaml besides ${[...NOT_ROUTING_FILES].join(', ')})` }],
    };
  const files: RulesFile[] = await Promise.all(
    names.map(async (name) => ({ file: join(dir, name), text: await readFile(join(dir, name), 'utf8') })),
  );
  return parseRules(files, env);
}

export interface RulesWatcher {
  /** The last valid config, or undefined if the files have never been valid since the watcher started. */
  current(): AlertingConfig | undefined;
  close(): void;
}

/**
 * Reloads the rules when a file in `dir` changes, without a restart. A bad edit keeps the last
 * good config running and reports why through `onError`; the next good edit replaces it. The
 * first load happens before this resolves and reports the same way.
 */
export async function watchRules(options: {
  dir: string;
  env: RulesEnv;
  onChange: (config: AlertingConfig) => void;
  onError: (errors: RuleError[]) => void;
  debounceMs?: number;
}): Promise<RulesWatcher> {
  const { dir, env, onChange, onError, debounceMs = RELOAD_DEBOUNCE_MS } = options;
  let current: AlertingConfig | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> = Promise.resolve();
  let closed = false;

  const reload = async (): Promise<void> => {
    const parsed = await loadRules(dir, env);
    if (closed) return;
    if (parsed.ok) {
      current = parsed.config;
      onChange(parsed.config);
    } else {
      onError(parsed.errors);
    }
  };

  await reload();
  const watcher: FSWatcher = watch(dir, (_event, filename) => {
    if (filename !== null && (NOT_ROUTING_FILES.has(filename) || !RULES_FILE.test(filename))) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      reloading = reloading.then(reload, reload);
    }, debounceMs);
    timer.unref();
  });
  watcher.unref();

  return {
    current: () => current,
    close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
