import { ANOMALY_KINDS, SEVERITIES } from '@tollgate/vocabulary';
import { ALERT_LABELS, isAlertLabel, type AlertLabel, type AlertLabels } from './alert-input.ts';

export type MatchOperator = '=' | '!=' | '=~' | '!~';

/** One Alertmanager matcher (`kind="conversion_drop"`, `severity=~"high|critical"`, `country!="US"`). */
export interface Matcher {
  label: AlertLabel;
  op: MatchOperator;
  value: string;
  /** The text as written, for messages and the CLI. */
  text: string;
  /** Regex operators only: anchored at both ends, as Alertmanager anchors them. */
  regex?: RegExp;
}

export type MatcherParse = { ok: true; matcher: Matcher } | { ok: false; error: string };

// Operators longest first so "=~" is not read as "=" followed by "~...".
const MATCHER_PATTERN = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** Labels whose values are a closed set: a value outside it can never match, so it is an error. */
const KNOWN_VALUES: Partial<Record<AlertLabel, readonly string[]>> = {
  kind: ANOMALY_KINDS,
  severity: SEVERITIES,
  action: ['block', 'challenge', 'alert'],
};

/**
 * Parses one matcher in Alertmanager's syntax. The value may be double-quoted (with `\"` and `\\`
 * escapes) or bare. Values of closed label sets are checked, so `kind="volume_spkie"` or a regex
 * that matches no kind is an error rather than a route that silently never fires.
 */
export function parseMatcher(text: string): MatcherParse {
  const parts = MATCHER_PATTERN.exec(text);
  if (parts === null)
    return { ok: false, error: `"${text}" is not a matcher (expected label="value", label!="value", label=~"regex" or label!~"regex")` };
  const [, label = '', op = '=', rawValue = ''] = parts;
  if (!isAlertLabel(label)) return { ok: false, error: `unknown label "${label}" (labels: ${ALERT_LABELS.join(', ')})` };
  const value = unquote(rawValue);
  if (value === undefined) return { ok: false, error: `bad value ${rawValue} in "${text}" (quote it: ${label}${op}"value")` };
  const matcher: Matcher = { label, op: op as MatchOperator, value, text: text.trim() };
  if (op === '=~' || op === '!~') {
    try {
      matcher.regex = new RegExp(`^(?:${value})$`);
    } catch (error) {
      return { ok: false, error: `bad regular expression in "${text}": ${(error as Error).message}` };
    }
  }
  const known = KNOWN_VALUES[label];
  if (known !== undefined && (op === '=' || op === '=~')) {
    const reachable = known.some((candidate) => (matcher.regex ? matcher.regex.test(candidate) : candidate === value));
    if (!reachable) return { ok: false, error: `"${text}" matches no ${label} (${label}s: ${known.join(', ')})` };
  }
  return { ok: true, matcher };
}

export function matches(matcher: Matcher, labels: AlertLabels): boolean {
  const actual = labels[matcher.label];
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return matcher.regex!.test(actual);
    case '!~':
      return !matcher.regex!.test(actual);
  }
}

/** All matchers hold (an empty list matches everything, as Alertmanager's root route does). */
export function matchesAll(matchers: readonly Matcher[], labels: AlertLabels): boolean {
  return matchers.every((matcher) => matches(matcher, labels));
}

function unquote(raw: string): string | undefined {
  if (!raw.startsWith('"')) return /["\s,{}]/.test(raw) ? undefined : raw;
  if (raw.length < 2 || !raw.endsWith('"')) return undefined;
  let value = '';
  for (let i = 1; i < raw.length - 1; i++) {
    const char = raw[i]!;
    if (char === '\\') {
      const next = raw[++i];
      if (next === undefined || i === raw.length - 1) return undefined;
      value += next === 'n' ? '\n' : next;
    } else if (char === '"') {
      return undefined;
    } else {
      value += char;
    }
  }
  return value;
}
