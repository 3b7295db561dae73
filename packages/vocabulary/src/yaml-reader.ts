import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

/** One problem in a policy file, pointing at the line and the key path ("auto_trip[0].when.kinds[1]"). */
export interface PolicyError {
  file: string;
  line: number;
  path: string;
  message: string;
}

/** A node of the file with where it stands, so every message can point at it. */
export interface Located {
  /** The yaml package's node (map, sequence, scalar), or null for an empty value. */
  node: unknown;
  path: string;
  line: number;
}

/**
 * Typed reads over a parsed YAML document that collect errors instead of stopping at the first:
 * whoever fixes a policy file wants every mistake in one pass. Each read returns undefined when
 * the value is wrong, after recording why.
 */
export interface YamlReader {
  /** The document's top node, undefined if the text is not YAML (errors say where). */
  readonly root: Located | undefined;
  readonly errors: PolicyError[];
  fail(at: Located, message: string): undefined;
  /** A mapping's values by key; keys outside `allowed` are reported (a typo must not turn a rule off). */
  map(at: Located, allowed: readonly string[]): Map<string, Located> | undefined;
  /** Like `map`, for mappings whose keys are names (apps): every key is accepted. */
  entries(at: Located): Map<string, Located> | undefined;
  list(at: Located): Located[] | undefined;
  string(at: Located): string | undefined;
  number(at: Located, range: { min: number; max: number; integer?: boolean }): number | undefined;
  oneOf<T extends string>(at: Located, values: readonly T[]): T | undefined;
  duration(at: Located, parse: (text: string) => number | undefined): number | undefined;
  /** True for `off` or an empty value (`key:`, `~`, `null`): how a file turns something off. */
  isNone(at: Located): boolean;
  /** The value under `key`, or an error on the mapping's line when it is missing. */
  required(fields: Map<string, Located>, key: string, parent: Located): Located | undefined;
}

export function readYaml(text: string, file: string): YamlReader {
  const lineCounter = new LineCounter();
  // Short messages: the line is reported separately, a code frame inside the message would repeat it.
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const errors: PolicyError[] = [];
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const locate = (node: unknown, path: string, fallbackLine: number): Located => ({
    node,
    path,
    line: rangeStart(node) === undefined ? fallbackLine : lineAt(rangeStart(node)!),
  });

  for (const error of document.errors) errors.push({ file, line: lineAt(error.pos[0]), path: '', message: error.message });
  const root = errors.length === 0 ? locate(document.contents, '', 1) : undefined;

  const fail = (at: Located, message: string): undefined => {
    errors.push({ file, line: at.line, path: at.path, message });
    return undefined;
  };

  const pairsOf = (at: Located): Map<string, Located> | undefined => {
    if (!isMap(at.node)) return fail(at, `expected a mapping (key: value), got ${kindOf(at.node)}`);
    const fields = new Map<string, Located>();
    for (const pair of at.node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      const keyLine = rangeStart(pair.key) === undefined ? at.line : lineAt(rangeStart(pair.key)!);
      if (key === undefined) {
        fail({ node: pair.key, path: at.path, line: keyLine }, 'keys must be plain strings');
        continue;
      }
      // Pointing at the key reads best: "when:" rather than the first line of the mapping under it.
      fields.set(key, { node: pair.value ?? null, path: join(at.path, key), line: keyLine });
    }
    return fields;
  };

  const scalarValue = (at: Located): unknown => (isScalar(at.node) ? at.node.value : at.node);

  return {
    root,
    errors,
    fail,
    entries: pairsOf,
    map(at, allowed) {
      const fields = pairsOf(at);
      if (fields === undefined) return undefined;
      for (const [key, value] of fields) {
        if (!allowed.includes(key)) fail(value, `unknown key "${key}" (expected one of: ${allowed.join(', ')})`);
      }
      return fields;
    },
    list(at) {
      if (!isSeq(at.node)) return fail(at, `expected a list, got ${kindOf(at.node)}`);
      return at.node.items.map((item, index) => locate(item, `${at.path}[${index}]`, at.line));
    },
    string(at) {
      const value = scalarValue(at);
      if (typeof value !== 'string' || value === '') return fail(at, `expected a non-empty string, got ${describe(value)}`);
      return value;
    },
    number(at, { min, max, integer = false }) {
      const value = scalarValue(at);
      const what = integer ? 'an integer' : 'a number';
      if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
        return fail(at, `expected ${what} from ${min} to ${max}, got ${describe(value)}`);
      }
      if (value < min || value > max) return fail(at, `expected ${what} from ${min} to ${max}, got ${value}`);
      return value;
    },
    oneOf(at, values) {
      const value = scalarValue(at);
      const found = values.find((candidate) => candidate === value);
      if (found === undefined) return fail(at, `expected one of ${values.join(', ')}, got ${describe(value)}`);
      return found;
    },
    duration(at, parse) {
      const value = scalarValue(at);
      const ms = typeof value === 'string' ? parse(value) : undefined;
      if (ms === undefined || ms <= 0) return fail(at, `expected a duration such as 30s, 15m, 1h30m or 7d, got ${describe(value)}`);
      return ms;
    },
    isNone(at) {
      const value = scalarValue(at);
      return value === null || value === 'off';
    },
    required(fields, key, parent) {
      return fields.get(key) ?? fail(parent, `missing key "${key}"`);
    },
  };
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function kindOf(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  return describe(isScalar(node) ? node.value : node);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  return typeof value === 'string' ? `"${value}"` : String(value);
}
