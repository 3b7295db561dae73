import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ANOMALY_KINDS, formatDuration, SEVERITIES, type AnomalyKind, type Severity } from '@tollgate/vocabulary';
import {
  explainRouting,
  formatRuleError,
  lenientEnv,
  loadRules,
  type AlertingConfig,
  type AlertInput,
  type RuleError,
  type RulesEnv,
} from '@tollgate/alerting';
import { OTHER_RULES_FILES } from '../rules-directory.ts';

const DEFAULT_DIR = process.env.TOLLGATE_RULES_DIR ?? 'alert-rules';
const ACTIONS = ['block', 'challenge', 'alert'] as const;

interface TestOptions {
  dir: string;
  kind: string;
  severity: string;
  country?: string;
  provider?: string;
  app?: string;
  flow?: string;
  action: string;
  costPerHour: string;
}

/** The other files of `dir` (breaker policy, budgets, ...), each checked by its own parser when present. */
function lintOtherFiles(dir: string): { errors: RuleError[]; summaries: string[] } {
  const result: { errors: RuleError[]; summaries: string[] } = { errors: [], summaries: [] };
  for (const other of OTHER_RULES_FILES) {
    const path = join(dir, other.file);
    if (!existsSync(path)) continue;
    const checked = other.check(readFileSync(path, 'utf8'), path);
    if (checked.ok) result.summaries.push(checked.summary);
    else result.errors.push(...checked.errors);
  }
  return result;
}

/** `tollgate rules lint|test`: check the alert-routing files and see where an anomaly would go, without a server. */
export function registerRulesCommand(program: Command): void {
  const rules = program.command('rules').description('Check the alert-routing rules (owners, route tree, inhibit rules) in alert-rules/');
  rules
    .command('lint')
    .description(
      `Validate every file of the rules directory (routing, ${OTHER_RULES_FILES.map((other) => other.file).join(', ')}); prints each error as file:line path: message and exits 1 on any`,
    )
    .option('--dir <dir>', 'rules directory (TOLLGATE_RULES_DIR)', DEFAULT_DIR)
    .option('--allow-unset-env', 'accept PagerDuty variables that are not set here (check the files only)')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate rules lint\n  tollgate rules lint --dir ./alert-rules --allow-unset-env\n' +
        '\nPagerDuty routing keys are ${VARIABLE} references resolved from the environment; an unset one is an error\n' +
        'unless --allow-unset-env is given.',
    )
    .action(async (options: { dir: string; allowUnsetEnv?: boolean }) => {
      const parsed = await loadRules(options.dir, envFor(options.allowUnsetEnv === true));
      const others = lintOtherFiles(options.dir);
      const errors = [...(parsed.ok ? [] : parsed.errors), ...others.errors];
      if (!parsed.ok || errors.length > 0) {
        for (const error of errors) console.log(formatRuleError(error));
        console.log(`${errors.length} error(s) in ${options.dir}`);
        process.exitCode = 1;
        return;
      }
      const { config } = parsed;
      console.log(
        `ok: ${config.files.length} file(s), ${config.owners.size} owners (${[...config.owners.keys()].join(', ')}), ` +
          `${countRoutes(config)} routes, ${config.inhibitRules.length} inhibit rule(s); every anomaly kind reaches an owner` +
          others.summaries.map((summary) => `; ${summary}`).join(''),
      );
    });
  rules
    .command('test')
    .description('Show where an anomaly would go: owners, Slack channels, whether it pages, inhibit rules that could apply')
    .option('--dir <dir>', 'rules directory (TOLLGATE_RULES_DIR)', DEFAULT_DIR)
    .requiredOption('--kind <kind>', `anomaly kind: ${ANOMALY_KINDS.join(', ')}`)
    .option('--severity <severity>', `${SEVERITIES.join(', ')}`, 'high')
    .option('--country <code>', 'country (ISO 3166 alpha-2)')
    .option('--provider <name>', 'SMS provider')
    .option('--app <app>', 'app')
    .option('--flow <flow>', 'flow (signup, login, recovery, step_up)')
    .option('--action <action>', `suggested action: ${ACTIONS.join(', ')}`, 'alert')
    .option('--cost-per-hour <usd>', 'cost of the anomaly per hour in USD (routes may match on it)', '0')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate rules test --kind conversion_drop --severity high --country ID --provider twilio\n' +
        '  tollgate rules test --kind cost_spike --severity critical --cost-per-hour 250\n' +
        '  tollgate rules test --kind verify_bruteforce --app shop --flow login',
    )
    .action(async (options: TestOptions) => {
      const input = testAlert(options);
      // A dry run of the routing: unset PagerDuty variables do not hide where an anomaly goes.
      const parsed = await loadRules(options.dir, envFor(true));
      if (!parsed.ok) {
        for (const error of parsed.errors) console.log(formatRuleError(error));
        throw new Error(`the rules in ${options.dir} have ${parsed.errors.length} error(s): run tollgate rules lint`);
      }
      printRouting(parsed.config, input);
    });
}

function envFor(allowUnset: boolean): RulesEnv {
  if (!allowUnset) return process.env;
  return lenientEnv(process.env);
}

function testAlert(options: TestOptions): AlertInput {
  const kind = ANOMALY_KINDS.find((candidate) => candidate === options.kind);
  if (kind === undefined) throw new Error(`unknown kind "${options.kind}": choose from ${ANOMALY_KINDS.join(', ')}`);
  const severity = SEVERITIES.find((candidate) => candidate === options.severity);
  if (severity === undefined) throw new Error(`unknown severity "${options.severity}": choose from ${SEVERITIES.join(', ')}`);
  const action = ACTIONS.find((candidate) => candidate === options.action);
  if (action === undefined) throw new Error(`unknown action "${options.action}": choose from ${ACTIONS.join(', ')}`);
  const costPerHourUsd = Number(options.costPerHour);
  if (!Number.isFinite(costPerHourUsd) || costPerHourUsd < 0)
    throw new Error(`--cost-per-hour must be a number of USD, got "${options.costPerHour}"`);
  const scope = {
    ...(options.app === undefined ? {} : { app: options.app }),
    ...(options.flow === undefined ? {} : { flow: options.flow }),
    ...(options.country === undefined ? {} : { country: options.country.toUpperCase() }),
    ...(options.provider === undefined ? {} : { provider: options.provider }),
  };
  return {
    id: 'cli-test',
    kind: kind as AnomalyKind,
    severity: severity as Severity,
    state: 'open',
    scope,
    action,
    summary: 'tollgate rules test',
    costPerHourUsd,
    observed: 0,
    expected: 0,
    openedAt: 0,
    updatedAt: 0,
  };
}

function printRouting(config: AlertingConfig, input: AlertInput): void {
  const explained = explainRouting(config, input);
  console.log(`owner: ${explained.owner ?? 'none'}${explained.copies.length === 0 ? '' : `; copied: ${explained.copies.join(', ')}`}`);
  for (const match of explained.matches) {
    console.log(`\n${match.routePath} -> ${match.receiver} (${match.role})${match.copy ? ' [continue: a copy]' : ''}`);
    console.log(`  slack:   ${match.slack ?? '-'}`);
    console.log(`  pages:   ${match.pages ? 'yes' : 'no'} (${match.pageReason})`);
    if (match.webhook !== undefined) console.log(`  webhook: ${match.webhook}`);
    console.log(`  group:   ${match.groupKey}`);
    console.log(
      `  timing:  group_wait ${formatDuration(match.timings.groupWaitMs)}, group_interval ${formatDuration(match.timings.groupIntervalMs)}, ` +
        `repeat_interval ${formatDuration(match.timings.repeatIntervalMs)}`,
    );
    const escalation = match.escalation.map((contact) => `${contact.name} after ${formatDuration(contact.afterMs)}`);
    if (escalation.length > 0) console.log(`  escalation: ${escalation.join(', then ')}`);
  }
  console.log(`\ninhibit rules that could apply:${explained.inhibitRules.length === 0 ? ' none' : ''}`);
  for (const rule of explained.inhibitRules) {
    const equal = rule.equal.length === 0 ? '' : ` with equal ${rule.equal.join(', ')}`;
    console.log(`  ${rule.name}: muted while an alert matching ${rule.source.join(', ')} is open${equal}`);
  }
}

function countRoutes(config: AlertingConfig): number {
  const count = (node: AlertingConfig['route']): number => 1 + node.routes.reduce((sum, child) => sum + count(child), 0);
  return count(config.route);
}
