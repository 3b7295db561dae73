import { parseDuration, type Located, type YamlReader } from '@tollgate/vocabulary';
import { DEFAULT_RISK_POLICY, RISK_MODES, type RiskPolicy } from './risk-assessor.ts';
import { DEFAULT_SIGNAL_WEIGHTS, SIGNAL_NAMES, type SignalName } from './risk-signals.ts';
import { MAX_RISK_SCORE } from './risk-score.ts';
import { CHALLENGE_KINDS, DEFAULT_TIER_POLICY, type TierPolicy, type TierThresholds } from './risk-tiers.ts';
import { DEFAULT_VERIFY_LIMITS, type AttemptLimit, type VerifyLimits, type VerifyRuleName, type VerifyRules } from './verify-limits.ts';

/** The policy file's `risk` and `verify` sections; read by breaker-policy.ts with the rest of the file. */

const TIER_KEYS = ['medium', 'high', 'challenge'];
const ATTEMPT_KEYS = ['max_attempts', 'free_attempts', 'backoff', 'max_backoff', 'lockout', 'window'];
const VERIFY_RULE_KEYS: ReadonlyArray<readonly [string, VerifyRuleName]> = [
  ['session', 'session'],
  ['ip', 'ip'],
  ['phone', 'phone'],
];
/** Attempts a ladder can count before it must lock; more than a process sees of one key. */
const MAX_ATTEMPTS = 1_000_000;

export function readRisk(reader: YamlReader, at: Located): RiskPolicy | undefined {
  const fields = reader.map(at, ['mode', 'weights', 'tiers']);
  if (fields === undefined) return undefined;
  const modeAt = fields.get('mode');
  const mode = modeAt === undefined ? DEFAULT_RISK_POLICY.mode : reader.oneOf(modeAt, RISK_MODES);
  const weightsAt = fields.get('weights');
  const weights = weightsAt === undefined ? DEFAULT_SIGNAL_WEIGHTS : readWeights(reader, weightsAt);
  const tiersAt = fields.get('tiers');
  const tiers = tiersAt === undefined ? DEFAULT_TIER_POLICY : readTiers(reader, tiersAt);
  if (mode === undefined || weights === undefined || tiers === undefined) return undefined;
  return { mode, weights, tiers };
}

/** Weights given replace the defaults one by one; 0 turns a signal off. */
function readWeights(reader: YamlReader, at: Located): Record<SignalName, number> | undefined {
  const fields = reader.map(at, SIGNAL_NAMES);
  if (fields === undefined) return undefined;
  const weights = { ...DEFAULT_SIGNAL_WEIGHTS };
  let valid = true;
  for (const [name, valueAt] of fields) {
    const weight = reader.number(valueAt, { min: 0, max: MAX_RISK_SCORE });
    if (weight === undefined) valid = false;
    else weights[name as SignalName] = weight;
  }
  return valid ? weights : undefined;
}

function readTiers(reader: YamlReader, at: Located): TierPolicy | undefined {
  const fields = reader.map(at, ['defaults', 'flows', 'apps']);
  if (fields === undefined) return undefined;
  const defaultsAt = fields.get('defaults');
  const given = defaultsAt === undefined ? {} : readThresholds(reader, defaultsAt);
  const defaults = given === undefined ? undefined : { ...DEFAULT_TIER_POLICY.defaults, ...given };
  if (defaults !== undefined && defaults.high < defaults.medium)
    reader.fail(defaultsAt!, `high (${defaults.high}) must not be below medium (${defaults.medium})`);
  const flowsAt = fields.get('flows');
  const flows = flowsAt === undefined ? DEFAULT_TIER_POLICY.flows : readFlowThresholds(reader, flowsAt);
  const apps: Record<string, { defaults: Partial<TierThresholds>; flows: Record<string, Partial<TierThresholds>> }> = {};
  let valid = defaults !== undefined && flows !== undefined;
  const appsAt = fields.get('apps');
  for (const [app, appAt] of (appsAt && reader.entries(appsAt)) ?? []) {
    const appFields = reader.map(appAt, ['defaults', 'flows']);
    const appDefaultsAt = appFields?.get('defaults');
    const appDefaults = appDefaultsAt === undefined ? {} : readThresholds(reader, appDefaultsAt);
    const appFlowsAt = appFields?.get('flows');
    const appFlows = appFlowsAt === undefined ? {} : readFlowThresholds(reader, appFlowsAt);
    if (appFields === undefined || appDefaults === undefined || appFlows === undefined) valid = false;
    else apps[app] = { defaults: appDefaults, flows: appFlows };
  }
  if (!valid) return undefined;
  return { defaults: defaults!, flows: flows!, apps };
}

function readFlowThresholds(reader: YamlReader, at: Located): Record<string, Partial<TierThresholds>> | undefined {
  const flows: Record<string, Partial<TierThresholds>> = {};
  let valid = true;
  for (const [flow, flowAt] of reader.entries(at) ?? []) {
    const thresholds = readThresholds(reader, flowAt);
    if (thresholds === undefined) valid = false;
    else flows[flow] = thresholds;
  }
  return valid ? flows : undefined;
}

function readThresholds(reader: YamlReader, at: Located): Partial<TierThresholds> | undefined {
  const fields = reader.map(at, TIER_KEYS);
  if (fields === undefined) return undefined;
  const thresholds: Partial<TierThresholds> = {};
  let valid = true;
  for (const key of ['medium', 'high'] as const) {
    const valueAt = fields.get(key);
    if (valueAt === undefined) continue;
    const value = reader.number(valueAt, { min: 0, max: MAX_RISK_SCORE + 1, integer: true });
    if (value === undefined) valid = false;
    else thresholds[key] = value;
  }
  const challengeAt = fields.get('challenge');
  if (challengeAt !== undefined) {
    const challenge = reader.oneOf(challengeAt, CHALLENGE_KINDS);
    if (challenge === undefined) valid = false;
    else thresholds.challenge = challenge;
  }
  if (thresholds.medium !== undefined && thresholds.high !== undefined && thresholds.high < thresholds.medium) {
    reader.fail(at, `high (${thresholds.high}) must not be below medium (${thresholds.medium})`);
    valid = false;
  }
  return valid ? thresholds : undefined;
}

export function readVerify(reader: YamlReader, at: Located): VerifyLimits | undefined {
  const fields = reader.map(at, [...VERIFY_RULE_KEYS.map(([key]) => key), 'flows']);
  if (fields === undefined) return undefined;
  const defaults = readVerifyRules(reader, fields, DEFAULT_VERIFY_LIMITS.defaults);
  const flowsAt = fields.get('flows');
  const flows: Record<string, Partial<VerifyRules>> = flowsAt === undefined ? { ...DEFAULT_VERIFY_LIMITS.flows } : {};
  let valid = defaults !== undefined;
  for (const [flow, flowAt] of (flowsAt && reader.entries(flowsAt)) ?? []) {
    const flowFields = reader.map(
      flowAt,
      VERIFY_RULE_KEYS.map(([key]) => key),
    );
    const rules = flowFields && defaults && readVerifyRules(reader, flowFields, defaults);
    if (rules === undefined) valid = false;
    else flows[flow] = rules;
  }
  return valid ? { defaults: defaults!, flows } : undefined;
}

/** Each ladder given is merged over `base`'s field by field; `off` turns it off. */
function readVerifyRules(reader: YamlReader, fields: Map<string, Located>, base: VerifyRules): VerifyRules | undefined {
  const rules: VerifyRules = { ...base };
  let valid = true;
  for (const [key, name] of VERIFY_RULE_KEYS) {
    const ruleAt = fields.get(key);
    if (ruleAt === undefined) continue;
    if (reader.isNone(ruleAt)) {
      rules[name] = null;
      continue;
    }
    const rule = readAttemptLimit(reader, ruleAt, base[name] ?? DEFAULT_VERIFY_LIMITS.defaults[name]!);
    if (rule === undefined) valid = false;
    else rules[name] = rule;
  }
  return valid ? rules : undefined;
}

function readAttemptLimit(reader: YamlReader, at: Located, base: AttemptLimit): AttemptLimit | undefined {
  const fields = reader.map(at, ATTEMPT_KEYS);
  if (fields === undefined) return undefined;
  const count = (key: string, fallback: number, min: number) => {
    const valueAt = fields.get(key);
    return valueAt === undefined ? fallback : reader.number(valueAt, { min, max: MAX_ATTEMPTS, integer: true });
  };
  const duration = (key: string, fallback: number) => {
    const valueAt = fields.get(key);
    return valueAt === undefined ? fallback : reader.duration(valueAt, parseDuration);
  };
  const maxAttempts = count('max_attempts', base.maxAttempts, 1);
  const freeAttempts = count('free_attempts', base.freeAttempts, 0);
  const backoffMs = duration('backoff', base.backoffMs);
  const maxBackoffMs = duration('max_backoff', base.maxBackoffMs);
  const lockoutMs = duration('lockout', base.lockoutMs);
  const windowMs = duration('window', base.windowMs);
  if (
    maxAttempts === undefined ||
    freeAttempts === undefined ||
    backoffMs === undefined ||
    maxBackoffMs === undefined ||
    lockoutMs === undefined ||
    windowMs === undefined
  ) {
    return undefined;
  }
  if (freeAttempts > maxAttempts) return reader.fail(at, `free_attempts (${freeAttempts}) must not exceed max_attempts (${maxAttempts})`);
  return { maxAttempts, freeAttempts, backoffMs, maxBackoffMs, lockoutMs, windowMs };
}
