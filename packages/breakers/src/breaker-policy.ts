import {
  ANOMALY_KINDS,
  parseDuration,
  readYaml,
  SEVERITIES,
  type AnomalyKind,
  type Located,
  type PolicyError,
  type Severity,
  type YamlReader,
} from '@tollgate/vocabulary';
import type { AllowlistSpec } from './allowlist.ts';
import { MIN_COOLDOWN_MS } from './breaker-state-machine.ts';
import type { BreakerAction, BreakerMode } from './breaker.ts';
import { checkCidr } from './ip-range.ts';
import { DEFAULT_RISK_POLICY, type RiskPolicy } from './risk-assessor.ts';
import { readRisk, readVerify } from './risk-policy.ts';
import { DEFAULT_VERIFY_LIMITS, type VerifyLimits } from './verify-limits.ts';
import {
  DEFAULT_VELOCITY_LIMITS,
  type LimitOutcome,
  type ResendLimit,
  type VelocityConfig,
  type VelocityLimits,
  type VelocityRuleName,
  type WindowLimit,
} from './velocity-limits.ts';

/** The scope key an auto-tripped breaker is cut at, taken from the anomaly's attributed scope. */
export const SCOPE_LEVELS = ['prefix', 'country', 'asn', 'provider', 'app'] as const;
export type ScopeLevel = (typeof SCOPE_LEVELS)[number];

/** Keys of the anomaly's scope a rule may keep beside its level, so a breaker hits one app's traffic only. */
export const NARROWING_KEYS = ['app', 'flow'] as const;
export type NarrowingKey = (typeof NARROWING_KEYS)[number];

/** Which anomalies trip which breaker. Rules are tried in file order; the first that applies wins. */
export interface AutoTripRule {
  name: string;
  kinds: readonly AnomalyKind[];
  minSeverity: Severity;
  action: BreakerAction;
  scopeLevel: ScopeLevel;
  narrowBy: readonly NarrowingKey[];
  mode: BreakerMode;
  cooldownMs: number;
  expiresAfterMs: number;
  probeShare: number;
}

export interface BreakerPolicy {
  autoTrip: readonly AutoTripRule[];
  /** An automatic breaker that would stop more than this share of recent legitimate traffic pages a person instead. */
  maxShareOfLegitTraffic: number;
  allowlist: AllowlistSpec;
  velocity: VelocityConfig;
  /** Risk score weights, tiers per app and flow, and whether tiers are enforced. */
  risk: RiskPolicy;
  /** Verification attempt ladders. */
  verify: VerifyLimits;
}

export type PolicyParse = { ok: true; policy: BreakerPolicy } | { ok: false; errors: PolicyError[] };

/** The only format so far; the key exists so a later format can be told apart at load. */
export const POLICY_VERSION = 1;
/**
 * One send in twenty while half-open: a busy prefix yields enough sessions in minutes to judge
 * conversion, and a still-running attack keeps 95% of its cost stopped.
 */
export const DEFAULT_PROBE_SHARE = 0.05;
/** An automatic breaker may stop at most 5% of recent legitimate traffic: past that, a person decides. */
export const DEFAULT_MAX_SHARE_OF_LEGIT_TRAFFIC = 0.05;
/** The policy without a policy file: no automatic trips, nobody allowlisted, built-in limits, risk tiers and verify ladders. */
export const DEFAULT_BREAKER_POLICY: BreakerPolicy = {
  autoTrip: [],
  maxShareOfLegitTraffic: DEFAULT_MAX_SHARE_OF_LEGIT_TRAFFIC,
  allowlist: { phones: [], apps: [], ipRanges: [] },
  velocity: { defaults: DEFAULT_VELOCITY_LIMITS, apps: {} },
  risk: DEFAULT_RISK_POLICY,
  verify: DEFAULT_VERIFY_LIMITS,
};
/** Narrowing by app unless told otherwise: an anomaly is found in one app's traffic, the breaker stays there. */
const DEFAULT_NARROW_BY: readonly NarrowingKey[] = ['app'];

/** E.164 as the events package accepts it: "+", a non-zero digit, 5 to 15 digits in all. */
const E164 = /^\+[1-9][0-9]{4,14}$/;
/** Velocity rules cannot count past what one process sees in a window; a billion is "no limit" in practice. */
const MAX_VELOCITY_COUNT = 1_000_000_000;

const TOP_KEYS = ['version', 'auto_trip', 'blast_radius', 'allowlist', 'velocity', 'risk', 'verify'];
const RULE_KEYS = ['name', 'when', 'action', 'per_minute', 'scope_level', 'narrow_by', 'mode', 'cooldown', 'expires_after', 'probe_share'];
const ACTIONS = ['block', 'challenge', 'throttle'] as const;
const MODES: readonly BreakerMode[] = ['enforce', 'shadow'];
const OUTCOMES: readonly LimitOutcome[] = ['block', 'challenge'];
const WINDOW_KEYS = ['max', 'window', 'on_exceed'];
const SESSION_KEYS = ['cooldowns', 'max_resends', 'session_ttl', 'on_exceed'];
/** File keys of the velocity rules, and the limits they set. */
const VELOCITY_RULE_KEYS: ReadonlyArray<readonly [string, VelocityRuleName]> = [
  ['phone', 'phone'],
  ['ip', 'ip'],
  ['ipv4_subnet', 'ipv4Subnet'],
  ['ipv6_subnet', 'ipv6Subnet'],
  ['session', 'session'],
  ['app', 'app'],
  ['account_hour', 'accountHour'],
  ['account_day', 'accountDay'],
];

/**
 * Reads and validates a breaker policy file (`alert-rules/breaker-policy.yaml`). Every problem is
 * reported with the file, line and key path; a policy with any problem is refused whole, because
 * a half-applied safety policy is worse than the previous one kept running.
 */
export function parseBreakerPolicy(text: string, file: string): PolicyParse {
  const reader = readYaml(text, file);
  const policy = reader.root === undefined ? undefined : readPolicy(reader, reader.root);
  if (policy === undefined || reader.errors.length > 0) {
    // Read top-down, reported top-down: a mapping's unknown keys are found before its values' errors.
    const errors = [...reader.errors].sort((a, b) => a.line - b.line);
    return { ok: false, errors: errors.length > 0 ? errors : [{ file, line: 1, path: '', message: 'not a policy' }] };
  }
  return { ok: true, policy };
}

function readPolicy(reader: YamlReader, root: Located): BreakerPolicy | undefined {
  const fields = reader.map(root, TOP_KEYS);
  if (fields === undefined) return undefined;
  const versionAt = reader.required(fields, 'version', root);
  const version = versionAt && reader.number(versionAt, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true });
  if (versionAt !== undefined && version !== undefined && version !== POLICY_VERSION) {
    reader.fail(versionAt, `unsupported policy version ${version} (this Tollgate reads version ${POLICY_VERSION})`);
  }
  const autoTripAt = fields.get('auto_trip');
  const autoTrip = autoTripAt === undefined || reader.isNone(autoTripAt) ? [] : readAutoTrip(reader, autoTripAt);
  const blastAt = fields.get('blast_radius');
  if (blastAt === undefined && autoTrip.length > 0) {
    reader.fail(autoTripAt!, 'auto_trip rules need a blast_radius with max_share_of_legit_traffic (e.g. 0.05)');
  }
  const maxShare = blastAt === undefined ? DEFAULT_MAX_SHARE_OF_LEGIT_TRAFFIC : readBlastRadius(reader, blastAt);
  const allowlistAt = fields.get('allowlist');
  const allowlist = allowlistAt === undefined ? { phones: [], apps: [], ipRanges: [] } : readAllowlist(reader, allowlistAt);
  const velocityAt = fields.get('velocity');
  const velocity = velocityAt === undefined ? { defaults: DEFAULT_VELOCITY_LIMITS, apps: {} } : readVelocity(reader, velocityAt);
  const riskAt = fields.get('risk');
  const risk = riskAt === undefined ? DEFAULT_RISK_POLICY : readRisk(reader, riskAt);
  const verifyAt = fields.get('verify');
  const verify = verifyAt === undefined ? DEFAULT_VERIFY_LIMITS : readVerify(reader, verifyAt);
  if (maxShare === undefined || allowlist === undefined || velocity === undefined || risk === undefined || verify === undefined)
    return undefined;
  return { autoTrip, maxShareOfLegitTraffic: maxShare, allowlist, velocity, risk, verify };
}

function readAutoTrip(reader: YamlReader, at: Located): AutoTripRule[] {
  const rules: AutoTripRule[] = [];
  const names = new Set<string>();
  for (const item of reader.list(at) ?? []) {
    const { name, rule } = readRule(reader, item);
    if (name !== undefined && names.has(name))
      reader.fail(item, `rule name "${name}" is used twice (names appear in audit entries and pages)`);
    if (name !== undefined) names.add(name);
    if (rule !== undefined) rules.push(rule);
  }
  return rules;
}

/** The rule if valid, and its name whenever it has one, so duplicate names are found among broken rules too. */
function readRule(reader: YamlReader, at: Located): { name: string | undefined; rule: AutoTripRule | undefined } {
  const fields = reader.map(at, RULE_KEYS);
  if (fields === undefined) return { name: undefined, rule: undefined };
  const field = (key: string) => reader.required(fields, key, at);
  const optional = <T>(key: string, read: (value: Located) => T | undefined, fallback: T): T | undefined => {
    const value = fields.get(key);
    return value === undefined ? fallback : read(value);
  };
  const nameAt = field('name');
  const name = nameAt && reader.string(nameAt);
  const when = readWhen(reader, field('when'));
  const action = readAction(reader, field('action'), fields.get('per_minute'), at);
  const scopeLevelAt = field('scope_level');
  const scopeLevel = scopeLevelAt && reader.oneOf(scopeLevelAt, SCOPE_LEVELS);
  const narrowBy = optional('narrow_by', (value) => readNarrowBy(reader, value), DEFAULT_NARROW_BY);
  const mode = optional('mode', (value) => reader.oneOf(value, MODES), 'enforce');
  const cooldownAt = field('cooldown');
  const cooldownMs = cooldownAt && reader.duration(cooldownAt, parseDuration);
  if (cooldownAt !== undefined && cooldownMs !== undefined && cooldownMs < MIN_COOLDOWN_MS) {
    reader.fail(cooldownAt, `cooldown must be at least 1s`);
  }
  const expiresAt = field('expires_after');
  const expiresAfterMs = expiresAt && reader.duration(expiresAt, parseDuration);
  const probeShare = optional('probe_share', (value) => reader.number(value, { min: 0, max: 1 }), DEFAULT_PROBE_SHARE);
  if (
    name === undefined ||
    when === undefined ||
    action === undefined ||
    scopeLevel === undefined ||
    narrowBy === undefined ||
    mode === undefined ||
    cooldownMs === undefined ||
    expiresAfterMs === undefined ||
    probeShare === undefined
  ) {
    return { name, rule: undefined };
  }
  return { name, rule: { name, ...when, action, scopeLevel, narrowBy, mode, cooldownMs, expiresAfterMs, probeShare } };
}

function readWhen(reader: YamlReader, at: Located | undefined): { kinds: AnomalyKind[]; minSeverity: Severity } | undefined {
  if (at === undefined) return undefined;
  const fields = reader.map(at, ['kinds', 'min_severity']);
  if (fields === undefined) return undefined;
  const kindsAt = reader.required(fields, 'kinds', at);
  const items = kindsAt && reader.list(kindsAt);
  if (kindsAt !== undefined && items !== undefined && items.length === 0) reader.fail(kindsAt, 'list at least one anomaly kind');
  const kinds = items?.map((item) => reader.oneOf(item, ANOMALY_KINDS));
  const severityAt = reader.required(fields, 'min_severity', at);
  const minSeverity = severityAt && reader.oneOf(severityAt, SEVERITIES);
  if (kinds === undefined || kinds.some((kind) => kind === undefined) || minSeverity === undefined) return undefined;
  return { kinds: kinds as AnomalyKind[], minSeverity };
}

function readAction(
  reader: YamlReader,
  at: Located | undefined,
  perMinuteAt: Located | undefined,
  rule: Located,
): BreakerAction | undefined {
  const kind = at && reader.oneOf(at, ACTIONS);
  if (kind === undefined) return undefined;
  if (kind !== 'throttle') {
    if (perMinuteAt !== undefined) reader.fail(perMinuteAt, `per_minute applies to action throttle only, not ${kind}`);
    return { kind };
  }
  if (perMinuteAt === undefined) return reader.fail(rule, 'action throttle needs per_minute (sends let through per minute)');
  const perMinute = reader.number(perMinuteAt, { min: 1, max: MAX_VELOCITY_COUNT, integer: true });
  return perMinute === undefined ? undefined : { kind, perMinute };
}

function readNarrowBy(reader: YamlReader, at: Located): NarrowingKey[] | undefined {
  const keys = reader.list(at)?.map((item) => reader.oneOf(item, NARROWING_KEYS));
  if (keys === undefined || keys.some((key) => key === undefined)) return undefined;
  return keys as NarrowingKey[];
}

function readBlastRadius(reader: YamlReader, at: Located): number | undefined {
  const fields = reader.map(at, ['max_share_of_legit_traffic']);
  const shareAt = fields && reader.required(fields, 'max_share_of_legit_traffic', at);
  return shareAt && reader.number(shareAt, { min: 0, max: 1 });
}

function readAllowlist(reader: YamlReader, at: Located): AllowlistSpec | undefined {
  const fields = reader.map(at, ['phones', 'apps', 'ip_ranges']);
  if (fields === undefined) return undefined;
  const strings = (key: string, check: (value: string) => string | undefined): string[] | undefined => {
    const listAt = fields.get(key);
    if (listAt === undefined) return [];
    const values = reader.list(listAt)?.map((item) => {
      const value = reader.string(item);
      const problem = value === undefined ? undefined : check(value);
      return problem === undefined ? value : reader.fail(item, problem);
    });
    if (values === undefined || values.some((value) => value === undefined)) return undefined;
    return values as string[];
  };
  const phones = strings('phones', (phone) =>
    E164.test(phone) ? undefined : `"${phone}" is not an E.164 number (expected +<country code><number>, e.g. +447700900123)`,
  );
  const apps = strings('apps', () => undefined);
  const ipRanges = strings('ip_ranges', checkCidr);
  if (phones === undefined || apps === undefined || ipRanges === undefined) return undefined;
  return { phones, apps, ipRanges };
}

function readVelocity(reader: YamlReader, at: Located): VelocityConfig | undefined {
  const fields = reader.map(at, ['defaults', 'apps']);
  if (fields === undefined) return undefined;
  const defaultsAt = fields.get('defaults');
  const defaults = defaultsAt === undefined ? DEFAULT_VELOCITY_LIMITS : readLimits(reader, defaultsAt, DEFAULT_VELOCITY_LIMITS);
  if (defaults === undefined) return undefined;
  const appsAt = fields.get('apps');
  const apps: Record<string, Partial<VelocityLimits>> = {};
  for (const [app, limitsAt] of (appsAt && reader.entries(appsAt)) ?? []) {
    const limits = readLimits(reader, limitsAt, defaults);
    if (limits !== undefined) apps[app] = limits;
  }
  return { defaults, apps };
}

/** Each rule given is merged over `base`'s rule field by field; `off` (or an empty value) turns it off. */
function readLimits(reader: YamlReader, at: Located, base: VelocityLimits): VelocityLimits | undefined {
  const fields = reader.map(
    at,
    VELOCITY_RULE_KEYS.map(([key]) => key),
  );
  if (fields === undefined) return undefined;
  const limits: VelocityLimits = { ...base };
  let valid = true;
  for (const [key, name] of VELOCITY_RULE_KEYS) {
    const ruleAt = fields.get(key);
    if (ruleAt === undefined) continue;
    if (reader.isNone(ruleAt)) {
      limits[name] = null;
      continue;
    }
    const rule = name === 'session' ? readSessionLimit(reader, ruleAt, base.session) : readWindowLimit(reader, ruleAt, base[name]);
    if (rule === undefined) valid = false;
    else Object.assign(limits, { [name]: rule });
  }
  return valid ? limits : undefined;
}

function readWindowLimit(reader: YamlReader, at: Located, base: WindowLimit | null): WindowLimit | undefined {
  const fields = reader.map(at, WINDOW_KEYS);
  if (fields === undefined) return undefined;
  const pick = inheriting(reader, fields, at);
  const max = pick('max', (value) => reader.number(value, { min: 0, max: MAX_VELOCITY_COUNT, integer: true }), base?.max);
  const windowMs = pick('window', (value) => reader.duration(value, parseDuration), base?.windowMs);
  const onExceed = pick('on_exceed', (value) => reader.oneOf(value, OUTCOMES), base?.onExceed);
  if (max === undefined || windowMs === undefined || onExceed === undefined) return undefined;
  return { max, windowMs, onExceed };
}

function readSessionLimit(reader: YamlReader, at: Located, base: ResendLimit | null): ResendLimit | undefined {
  const fields = reader.map(at, SESSION_KEYS);
  if (fields === undefined) return undefined;
  const pick = inheriting(reader, fields, at);
  const cooldownsMs = pick('cooldowns', (value) => readCooldowns(reader, value), base?.cooldownsMs);
  const maxResends = pick(
    'max_resends',
    (value) => reader.number(value, { min: 0, max: MAX_VELOCITY_COUNT, integer: true }),
    base?.maxResends,
  );
  const sessionTtlMs = pick('session_ttl', (value) => reader.duration(value, parseDuration), base?.sessionTtlMs);
  const onExceed = pick('on_exceed', (value) => reader.oneOf(value, OUTCOMES), base?.onExceed);
  if (cooldownsMs === undefined || maxResends === undefined || sessionTtlMs === undefined || onExceed === undefined) return undefined;
  return { cooldownsMs, maxResends, sessionTtlMs, onExceed };
}

/** Reads a rule's field from the file, or takes the inherited rule's value when the file omits it. */
function inheriting(reader: YamlReader, fields: Map<string, Located>, rule: Located) {
  return <T>(key: string, read: (value: Located) => T | undefined, inherited: T | undefined): T | undefined => {
    const value = fields.get(key);
    if (value !== undefined) return read(value);
    return inherited ?? reader.fail(rule, `missing key "${key}" (the rule it would inherit is off)`);
  };
}

function readCooldowns(reader: YamlReader, at: Located): number[] | undefined {
  const items = reader.list(at);
  if (items === undefined) return undefined;
  if (items.length === 0) return reader.fail(at, 'list at least one cooldown (e.g. [30s, 60s, 120s])');
  const cooldowns = items.map((item) => reader.duration(item, parseDuration));
  if (cooldowns.some((cooldown) => cooldown === undefined)) return undefined;
  return cooldowns as number[];
}
