import { isScalar } from 'yaml';
import {
  ANOMALY_KINDS,
  SEVERITIES,
  parseDuration,
  readYaml,
  type AnomalyKind,
  type Located,
  type Severity,
  type YamlReader,
} from '@tollgate/vocabulary';
import { ALERT_LABELS, type AlertLabel } from './alert-input.ts';
import { parseMatcher, type Matcher } from './matcher.ts';
import { matchingRoutes } from './route-tree.ts';
import {
  DEFAULT_PAGE_POLICY,
  DEFAULT_TIMINGS,
  OWNER_ROLES,
  type AlertingConfig,
  type EscalationContact,
  type InhibitRule,
  type Owner,
  type PagePolicy,
  type PagerDutyTarget,
  type ResponseTargets,
  type RouteNode,
  type RouteTimings,
  type RuleError,
} from './rules-config.ts';

export type RulesParse = { ok: true; config: AlertingConfig } | { ok: false; errors: RuleError[] };

/** The environment the PagerDuty key references are resolved from (process.env in production). */
export type RulesEnv = Readonly<Record<string, string | undefined>>;

export interface RulesFile {
  /** As it should appear in messages, e.g. "alert-rules/routing.yaml". */
  file: string;
  text: string;
}

const TOP_KEYS = ['owners', 'route', 'inhibit_rules'];
const OWNER_KEYS = ['name', 'role', 'slack', 'pagerduty', 'webhook', 'escalation', 'targets'];
const TARGET_KEYS = ['acknowledge', 'mitigate'];
const CONTACT_KEYS = ['name', 'after', 'slack', 'pagerduty'];
const ROUTE_KEYS = [
  'receiver',
  'matchers',
  'min_cost_per_hour_usd',
  'continue',
  'group_by',
  'group_wait',
  'group_interval',
  'repeat_interval',
  'page',
  'routes',
];
const INHIBIT_KEYS = ['source_matchers', 'target_matchers', 'equal'];
/** `${NAME}` and nothing else: a routing key written in clear would end up in the repository. */
const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** "#channel-name" or a channel id ("C0123ABC"): what chat.postMessage accepts as `channel`. */
const SLACK_CHANNEL = /^(#[a-z0-9][a-z0-9_-]{0,79}|[CGD][A-Z0-9]{6,})$/;
/** A route tree deeper than this is a mistake (or a YAML anchor loop), not a routing design. */
const MAX_ROUTE_DEPTH = 16;

interface Reference {
  name: string;
  file: string;
  line: number;
  path: string;
}

/** What one file contributed, before the files are checked against each other. */
interface FilePart {
  owners: Array<{ owner: Owner; ref: Reference }>;
  route?: { node: RouteNode; ref: Reference };
  inhibitRules: InhibitRule[];
  receivers: Reference[];
  /** Owner names, the invalid owners' too: a route naming a broken owner is not a second mistake. */
  declared: string[];
}

/**
 * Reads the alert-routing files into one config, the way Alertmanager reads its own: owners
 * (receivers), one route tree with inherited settings, inhibition rules. Every mistake in every
 * file is reported with file, line and key path, and a config with any mistake is refused whole:
 * half-applied routing pages the wrong team.
 */
export function parseRules(files: readonly RulesFile[], env: RulesEnv): RulesParse {
  const errors: RuleError[] = [];
  const parts: FilePart[] = [];
  for (const { file, text } of files) {
    const reader = readYaml(text, file);
    if (reader.root !== undefined) parts.push(readFile(reader, reader.root, file, env));
    errors.push(...[...reader.errors].sort((a, b) => a.line - b.line));
  }
  const config = combine(parts, files, errors);
  if (config !== undefined) errors.push(...unownedKinds(config));
  return errors.length === 0 && config !== undefined ? { ok: true, config } : { ok: false, errors };
}

function readFile(reader: YamlReader, root: Located, file: string, env: RulesEnv): FilePart {
  const part: FilePart = { owners: [], inhibitRules: [], receivers: [], declared: [] };
  if (root.node === null) {
    reader.fail(root, `empty file: expected ${TOP_KEYS.join(', ')}`);
    return part;
  }
  const fields = reader.map(root, TOP_KEYS);
  if (fields === undefined) return part;
  const ownersAt = fields.get('owners');
  for (const item of (ownersAt && reader.list(ownersAt)) ?? []) {
    const { name, owner } = readOwner(reader, item, env);
    if (name !== undefined) part.declared.push(name);
    if (owner !== undefined) part.owners.push({ owner, ref: { name: owner.name, file, line: item.line, path: item.path } });
  }
  const routeAt = fields.get('route');
  if (routeAt !== undefined) {
    const node = readRoute(reader, routeAt, undefined, file, part.receivers, 0);
    if (node !== undefined) part.route = { node, ref: { name: 'route', file, line: routeAt.line, path: routeAt.path } };
  }
  const inhibitAt = fields.get('inhibit_rules');
  for (const item of (inhibitAt && reader.list(inhibitAt)) ?? []) {
    const rule = readInhibitRule(reader, item, file);
    if (rule !== undefined) part.inhibitRules.push(rule);
  }
  return part;
}

/** The owner if valid, and its name whenever it has one. */
function readOwner(reader: YamlReader, at: Located, env: RulesEnv): { name: string | undefined; owner: Owner | undefined } {
  const fields = reader.map(at, OWNER_KEYS);
  if (fields === undefined) return { name: undefined, owner: undefined };
  const nameAt = reader.required(fields, 'name', at);
  const name = nameAt && reader.string(nameAt);
  const roleAt = reader.required(fields, 'role', at);
  const role = roleAt && reader.oneOf(roleAt, OWNER_ROLES);
  const channels = readChannels(reader, fields, env, `owner "${name ?? '?'}"`);
  const webhookAt = fields.get('webhook');
  const webhook = webhookAt && readUrl(reader, webhookAt);
  const escalationAt = fields.get('escalation');
  const escalation = escalationAt === undefined ? [] : readEscalation(reader, escalationAt, env);
  const targetsAt = fields.get('targets');
  const targets = targetsAt === undefined ? {} : readTargets(reader, targetsAt);
  if (channels !== undefined && channels.slack === undefined && channels.pagerduty === undefined && webhookAt === undefined) {
    reader.fail(at, `owner "${name ?? '?'}" has no way to be reached: give it slack, pagerduty or webhook`);
  }
  if (
    name === undefined ||
    role === undefined ||
    channels === undefined ||
    (webhookAt !== undefined && webhook === undefined) ||
    escalation === undefined ||
    targets === undefined
  ) {
    return { name, owner: undefined };
  }
  return { name, owner: { name, role, targets, ...channels, ...(webhook === undefined ? {} : { webhook }), escalation } };
}

/** `targets: { acknowledge: 5m, mitigate: 30m }`: the response times the owner is measured against. */
function readTargets(reader: YamlReader, at: Located): ResponseTargets | undefined {
  const fields = reader.map(at, TARGET_KEYS);
  if (fields === undefined) return undefined;
  const acknowledgeAt = fields.get('acknowledge');
  const acknowledgeMs = acknowledgeAt && reader.duration(acknowledgeAt, parseDuration);
  const mitigateAt = fields.get('mitigate');
  const mitigateMs = mitigateAt && reader.duration(mitigateAt, parseDuration);
  if ((acknowledgeAt !== undefined && acknowledgeMs === undefined) || (mitigateAt !== undefined && mitigateMs === undefined))
    return undefined;
  if (acknowledgeMs !== undefined && mitigateMs !== undefined && mitigateMs < acknowledgeMs) {
    return reader.fail(
      at,
      'the mitigate target cannot be shorter than the acknowledge target: stopping the money starts with someone on it',
    );
  }
  return { ...(acknowledgeMs === undefined ? {} : { acknowledgeMs }), ...(mitigateMs === undefined ? {} : { mitigateMs }) };
}

/** `slack` and `pagerduty` of an owner or an escalation contact. */
function readChannels(
  reader: YamlReader,
  fields: Map<string, Located>,
  env: RulesEnv,
  who: string,
): { slack?: string; pagerduty?: PagerDutyTarget } | undefined {
  const slackAt = fields.get('slack');
  const slack = slackAt && reader.string(slackAt);
  if (slackAt !== undefined && slack !== undefined && !SLACK_CHANNEL.test(slack)) {
    return reader.fail(slackAt, `"${slack}" is not a Slack channel (write "#channel-name" or a channel id such as C0123ABCD)`);
  }
  const pagerdutyAt = fields.get('pagerduty');
  const pagerduty = pagerdutyAt && readEnvReference(reader, pagerdutyAt, env, who);
  if ((slackAt !== undefined && slack === undefined) || (pagerdutyAt !== undefined && pagerduty === undefined)) return undefined;
  return { ...(slack === undefined ? {} : { slack }), ...(pagerduty === undefined ? {} : { pagerduty }) };
}

function readEnvReference(reader: YamlReader, at: Located, env: RulesEnv, who: string): PagerDutyTarget | undefined {
  const text = reader.string(at);
  if (text === undefined) return undefined;
  const envVar = ENV_REFERENCE.exec(text)?.[1];
  if (envVar === undefined) {
    return reader.fail(
      at,
      'give the PagerDuty routing key as an environment variable reference such as ${PD_FRAUD_KEY}, never the key itself',
    );
  }
  const routingKey = env[envVar];
  if (routingKey === undefined || routingKey === '') {
    return reader.fail(at, `environment variable ${envVar} is not set (it holds the PagerDuty routing key of ${who})`);
  }
  return { envVar, routingKey };
}

function readUrl(reader: YamlReader, at: Located): string | undefined {
  const text = reader.string(at);
  if (text === undefined) return undefined;
  try {
    const url = new URL(text);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.href;
  } catch {
    // Reported below with the fix.
  }
  return reader.fail(at, `"${text}" is not an http(s) URL`);
}

function readEscalation(reader: YamlReader, at: Located, env: RulesEnv): EscalationContact[] | undefined {
  const items = reader.list(at);
  if (items === undefined) return undefined;
  const contacts: Array<EscalationContact | undefined> = items.map((item) => {
    const fields = reader.map(item, CONTACT_KEYS);
    if (fields === undefined) return undefined;
    const nameAt = reader.required(fields, 'name', item);
    const name = nameAt && reader.string(nameAt);
    const afterAt = reader.required(fields, 'after', item);
    const afterMs = afterAt && reader.duration(afterAt, parseDuration);
    const channels = readChannels(reader, fields, env, `escalation contact "${name ?? '?'}"`);
    if (channels !== undefined && channels.slack === undefined && channels.pagerduty === undefined) {
      return reader.fail(item, `escalation contact "${name ?? '?'}" needs slack or pagerduty`);
    }
    if (name === undefined || afterMs === undefined || channels === undefined) return undefined;
    return { name, afterMs, ...channels };
  });
  let ordered = true;
  contacts.forEach((contact, index) => {
    const previous = contacts[index - 1];
    if (contact !== undefined && previous !== undefined && contact.afterMs <= previous.afterMs) {
      ordered = false;
      reader.fail(items[index]!, `escalation contacts go in order of "after": "${contact.name}" must come later than "${previous.name}"`);
    }
  });
  if (!ordered || contacts.some((contact) => contact === undefined)) return undefined;
  return contacts as EscalationContact[];
}

/** What a route hands down to its children (Alertmanager's inheritance). */
type Inherited = Pick<RouteNode, 'receiver' | 'groupBy' | 'timings' | 'page' | 'minCostPerHourUsd'>;

function readRoute(
  reader: YamlReader,
  at: Located,
  parent: Inherited | undefined,
  file: string,
  receivers: Reference[],
  depth: number,
): RouteNode | undefined {
  const path = at.path;
  if (depth > MAX_ROUTE_DEPTH) return reader.fail(at, `routes nest deeper than ${MAX_ROUTE_DEPTH} levels`);
  const fields = reader.map(at, ROUTE_KEYS);
  if (fields === undefined) return undefined;
  const isRoot = parent === undefined;
  const receiverAt = fields.get('receiver');
  const receiver = receiverAt === undefined ? parent?.receiver : reader.string(receiverAt);
  if (receiverAt !== undefined && receiver !== undefined)
    receivers.push({ name: receiver, file, line: receiverAt.line, path: receiverAt.path });
  const matchersAt = fields.get('matchers');
  if (isRoot && matchersAt !== undefined) reader.fail(matchersAt, 'the root route matches every alert: put matchers on its routes');
  const matchers = matchersAt === undefined ? [] : readMatchers(reader, matchersAt, false);
  const continueAt = fields.get('continue');
  if (isRoot && continueAt !== undefined) reader.fail(continueAt, 'the root route has nothing after it to continue to');
  const continues = continueAt === undefined ? false : readBoolean(reader, continueAt);
  const costAt = fields.get('min_cost_per_hour_usd');
  const minCostPerHourUsd =
    costAt === undefined ? parent?.minCostPerHourUsd : reader.number(costAt, { min: 0, max: Number.MAX_SAFE_INTEGER });
  const groupByAt = fields.get('group_by');
  const groupBy = groupByAt === undefined ? (parent?.groupBy ?? []) : readLabels(reader, groupByAt);
  const timing = (key: string, inherited: number): number | undefined => {
    const valueAt = fields.get(key);
    return valueAt === undefined ? inherited : reader.duration(valueAt, parseDuration);
  };
  const base = parent?.timings ?? DEFAULT_TIMINGS;
  const groupWaitMs = timing('group_wait', base.groupWaitMs);
  const groupIntervalMs = timing('group_interval', base.groupIntervalMs);
  const repeatIntervalMs = timing('repeat_interval', base.repeatIntervalMs);
  const pageAt = fields.get('page');
  const page = pageAt === undefined ? (parent?.page ?? DEFAULT_PAGE_POLICY) : readPage(reader, pageAt);
  if (
    matchers === undefined ||
    continues === undefined ||
    (costAt !== undefined && minCostPerHourUsd === undefined) ||
    groupBy === undefined ||
    groupWaitMs === undefined ||
    groupIntervalMs === undefined ||
    repeatIntervalMs === undefined ||
    page === undefined
  ) {
    readChildren(reader, fields, undefined, file, receivers, depth);
    return undefined;
  }
  const timings: RouteTimings = { groupWaitMs, groupIntervalMs, repeatIntervalMs };
  const inherited: Inherited = { receiver, groupBy, timings, page, minCostPerHourUsd };
  const routes = readChildren(reader, fields, inherited, file, receivers, depth);
  if (routes === undefined) return undefined;
  return { path, file, line: at.line, receiver, matchers, minCostPerHourUsd, continue: continues, groupBy, timings, page, routes };
}

/** Children are read even under a broken parent (with defaults) so every mistake shows in one pass. */
function readChildren(
  reader: YamlReader,
  fields: Map<string, Located>,
  inherited: Inherited | undefined,
  file: string,
  receivers: Reference[],
  depth: number,
): RouteNode[] | undefined {
  const routesAt = fields.get('routes');
  if (routesAt === undefined) return [];
  const items = reader.list(routesAt);
  if (items === undefined) return undefined;
  const fallback: Inherited = inherited ?? {
    receiver: undefined,
    groupBy: [],
    timings: DEFAULT_TIMINGS,
    page: DEFAULT_PAGE_POLICY,
    minCostPerHourUsd: undefined,
  };
  const children = items.map((item) => readRoute(reader, item, fallback, file, receivers, depth + 1));
  if (inherited === undefined || children.some((child) => child === undefined)) return undefined;
  return children as RouteNode[];
}

function readMatchers(reader: YamlReader, at: Located, requireOne: boolean): Matcher[] | undefined {
  const items = reader.list(at);
  if (items === undefined) return undefined;
  if (requireOne && items.length === 0) return reader.fail(at, 'list at least one matcher, e.g. kind="delivery_failure"');
  const matchers = items.map((item) => {
    const text = reader.string(item);
    if (text === undefined) return undefined;
    const parsed = parseMatcher(text);
    return parsed.ok ? parsed.matcher : reader.fail(item, parsed.error);
  });
  if (matchers.some((matcher) => matcher === undefined)) return undefined;
  return matchers as Matcher[];
}

function readLabels(reader: YamlReader, at: Located): AlertLabel[] | undefined {
  const labels = reader.list(at)?.map((item) => {
    const text = reader.string(item);
    if (text === undefined) return undefined;
    return (ALERT_LABELS as readonly string[]).includes(text)
      ? (text as AlertLabel)
      : reader.fail(item, `unknown label "${text}" (labels: ${ALERT_LABELS.join(', ')})`);
  });
  if (labels === undefined || labels.some((label) => label === undefined)) return undefined;
  return labels as AlertLabel[];
}

function readBoolean(reader: YamlReader, at: Located): boolean | undefined {
  if (isScalar(at.node) && typeof at.node.value === 'boolean') return at.node.value;
  return reader.fail(at, 'expected true or false');
}

function readPage(reader: YamlReader, at: Located): PagePolicy | undefined {
  if (isScalar(at.node) && typeof at.node.value === 'boolean') return at.node.value ? { kind: 'always' } : { kind: 'never' };
  const value = isScalar(at.node) ? at.node.value : undefined;
  const severity = SEVERITIES.find((candidate) => candidate === value);
  if (severity === undefined) return reader.fail(at, `expected true, false or the lowest severity that pages (${SEVERITIES.join(', ')})`);
  return { kind: 'min_severity', severity };
}

function readInhibitRule(reader: YamlReader, at: Located, file: string): InhibitRule | undefined {
  const fields = reader.map(at, INHIBIT_KEYS);
  if (fields === undefined) return undefined;
  const sourceAt = reader.required(fields, 'source_matchers', at);
  const sourceMatchers = sourceAt && readMatchers(reader, sourceAt, true);
  const targetAt = reader.required(fields, 'target_matchers', at);
  const targetMatchers = targetAt && readMatchers(reader, targetAt, true);
  const equalAt = fields.get('equal');
  const equal = equalAt === undefined ? [] : readLabels(reader, equalAt);
  if (sourceMatchers === undefined || targetMatchers === undefined || equal === undefined) return undefined;
  return { name: `${file}:${at.line} ${at.path}`, sourceMatchers, targetMatchers, equal };
}

/** Puts the files' parts together and checks what no single file can: names, references, one route. */
function combine(parts: FilePart[], files: readonly RulesFile[], errors: RuleError[]): AlertingConfig | undefined {
  const owners = new Map<string, Owner>();
  for (const { owner, ref } of parts.flatMap((part) => part.owners)) {
    if (owners.has(owner.name)) errors.push({ ...ref, message: `owner "${owner.name}" is defined twice` });
    owners.set(owner.name, owner);
  }
  const routes = parts.flatMap((part) => (part.route === undefined ? [] : [part.route]));
  for (const extra of routes.slice(1)) {
    errors.push({
      ...extra.ref,
      message: `a second route tree (the first is in ${routes[0]!.ref.file}:${routes[0]!.ref.line}); there is one root route`,
    });
  }
  const declared = new Set(parts.flatMap((part) => part.declared));
  for (const ref of parts.flatMap((part) => part.receivers)) {
    if (!declared.has(ref.name))
      errors.push({ ...ref, message: `unknown receiver "${ref.name}" (owners: ${[...declared].join(', ') || 'none defined'})` });
  }
  const root = routes[0];
  if (root === undefined) {
    const hadErrors = errors.length > 0;
    if (!hadErrors)
      errors.push({ file: files[0]?.file ?? '(no files)', line: 1, path: '', message: 'no route: one file must define the root `route`' });
    return undefined;
  }
  if (errors.length > 0) return undefined;
  return { owners, route: root.node, inhibitRules: parts.flatMap((part) => part.inhibitRules), files: files.map((f) => f.file) };
}

/**
 * The anomaly kinds that reach no owner, with the severities at which they do not. Probed with each
 * severity and the scope labels left empty: a kind handled only for `country="US"` is unowned
 * everywhere else: an anomaly nobody owns is one nobody answers.
 */
export function kindsWithoutOwner(config: Pick<AlertingConfig, 'route'>): Array<{ kind: AnomalyKind; severities: Severity[] }> {
  return ANOMALY_KINDS.flatMap((kind) => {
    const severities = SEVERITIES.filter(
      (severity) =>
        !matchingRoutes(config.route, { kind, severity, scope: {}, action: 'alert', costPerHourUsd: 0 }).some(
          (node) => node.receiver !== undefined,
        ),
    );
    return severities.length === 0 ? [] : [{ kind, severities }];
  });
}

/** Every anomaly kind must reach an owner: an unowned kind is an error at load and in lint. */
function unownedKinds(config: AlertingConfig): RuleError[] {
  return kindsWithoutOwner(config).map(({ kind, severities }) => ({
    file: config.route.file,
    line: config.route.line,
    path: config.route.path,
    message: `anomaly kind "${kind}" reaches no owner at severity ${severities.join(', ')}: add a route for it or a receiver on the root route`,
  }));
}
