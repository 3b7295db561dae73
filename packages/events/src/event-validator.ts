import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BILLING_EVENT_SCHEMA } from './billing-event.schema.ts';
import { isKnownCountry } from './country-code.ts';
import { isKnownCurrency } from './currency.ts';
import { isValidIp } from './ip-address.ts';
import { E164_PATTERN, E164_REASON } from './phone-number.ts';
import { RECEIPT_EVENT_SCHEMA } from './receipt-event.schema.ts';
import type { Checked, FieldProblem } from './rejection.ts';
import type { EpochMs, EventKind } from './rows.ts';
import { COUNTRY_PATTERN, CURRENCY_PATTERN, MCC_MNC_PATTERN, NO_CONTROL_CHARS_PATTERN } from './schema-fields.ts';
import { SEND_EVENT_SCHEMA } from './send-event.schema.ts';
import { VERIFY_EVENT_SCHEMA } from './verify-event.schema.ts';
import type { InputsByKind } from './wire.ts';
import { parseWireTime } from './wire-time.ts';

/** The JSON schemas of the event contract, by kind; the server reuses them for its OpenAPI document. */
export const EVENT_SCHEMAS = {
  send: SEND_EVENT_SCHEMA,
  verify: VERIFY_EVENT_SCHEMA,
  billing: BILLING_EVENT_SCHEMA,
  receipt: RECEIPT_EVENT_SCHEMA,
} as const;

/** A structurally valid event with its time already parsed (the normalizer needs it, parsing twice costs). */
export interface ValidEvent<T> {
  event: T;
  tsMs: EpochMs;
}

export type EventValidator<K extends EventKind> = (input: unknown, nowMs: number) => Checked<ValidEvent<InputsByKind[K]>>;

// Compiled once at import: a compiled validator checks an event in well under a microsecond, compiling costs milliseconds.
// messages: false because reasons are written below, in terms a sender can act on.
const ajv = new Ajv({ allErrors: true, messages: false, strict: true });
const compiled: { [K in EventKind]: ValidateFunction } = {
  send: ajv.compile(SEND_EVENT_SCHEMA),
  verify: ajv.compile(VERIFY_EVENT_SCHEMA),
  billing: ajv.compile(BILLING_EVENT_SCHEMA),
  receipt: ajv.compile(RECEIPT_EVENT_SCHEMA),
};

const PATTERN_REASONS: Record<string, string> = {
  [NO_CONTROL_CHARS_PATTERN]: 'contains control characters (remove newlines, tabs and other non-printing characters)',
  [E164_PATTERN]: E164_REASON,
  [COUNTRY_PATTERN]: 'not an ISO 3166-1 alpha-2 code (expected two upper-case letters, e.g. GB)',
  [CURRENCY_PATTERN]: 'not an ISO 4217 code (expected three upper-case letters, e.g. USD)',
  [MCC_MNC_PATTERN]: 'not an MCC/MNC (expected 5 or 6 digits, mobile country code then network code, e.g. 23410)',
};

/** Checks JSON schema cannot express: time ranges, code tables, address syntax. Run only on fields the schema passed. */
type SemanticCheck = (value: unknown) => string | undefined;

const checkCountry: SemanticCheck = (value) =>
  isKnownCountry(value as string)
    ? undefined
    : `unknown country code "${value as string}"` +
      ' (expected an ISO 3166-1 alpha-2 code such as GB, or omit it to derive it from the phone number)';

const checkCurrency: SemanticCheck = (value) =>
  isKnownCurrency(value as string)
    ? undefined
    : `unsupported currency "${value as string}"` +
      ' (expected one of the ISO 4217 codes in currency.ts, e.g. USD, EUR, GBP; convert the cost first otherwise)';

const checkIp: SemanticCheck = (value) =>
  isValidIp(value as string) ? undefined : 'not a valid IPv4 or IPv6 address (expected e.g. 203.0.113.7 or 2001:db8::7)';

const SEMANTIC_CHECKS: { [K in EventKind]: Partial<Record<keyof InputsByKind[K], SemanticCheck>> } = {
  send: { country: checkCountry, currency: checkCurrency, ip: checkIp },
  verify: { ip: checkIp },
  billing: { country: checkCountry, currency: checkCurrency },
  receipt: {},
};

function createValidator<K extends EventKind>(kind: K): EventValidator<K> {
  const validate = compiled[kind];
  const checks = Object.entries(SEMANTIC_CHECKS[kind]) as [string, SemanticCheck][];
  const properties: Record<string, { description?: string }> = EVENT_SCHEMAS[kind].properties;
  return (input, nowMs) => {
    // Nearly every event passes: its check allocates nothing but the answer.
    if (validate(input)) return semanticCheck<K>(input as Record<string, unknown>, nowMs, checks, NOTHING_FAILED);
    const problems: FieldProblem[] = [];
    const failed = new Set<string>();
    for (const error of validate.errors ?? []) {
      // Errors of oneOf branches are summed up by the oneOf error that follows them.
      if (error.schemaPath.includes('/oneOf/')) continue;
      const problem = toProblem(error, input, properties);
      if (failed.has(problem.field)) continue;
      failed.add(problem.field);
      problems.push(problem);
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, problems };
    const semantic = semanticCheck<K>(input as Record<string, unknown>, nowMs, checks, failed);
    if (semantic.ok) return problems.length > 0 ? { ok: false, problems } : semantic;
    return { ok: false, problems: [...problems, ...semantic.problems] };
  };
}

const NOTHING_FAILED: ReadonlySet<string> = new Set();

/** The time and the semantic checks of the fields the schema did not already fail. */
function semanticCheck<K extends EventKind>(
  event: Record<string, unknown>,
  nowMs: number,
  checks: readonly [string, SemanticCheck][],
  failed: ReadonlySet<string>,
): Checked<ValidEvent<InputsByKind[K]>> {
  let problems: FieldProblem[] | undefined;
  let tsMs = 0;
  if (!failed.has('ts')) {
    const time = parseWireTime(event.ts as string | number, nowMs);
    if (time.ok) tsMs = time.ms;
    else (problems ??= []).push({ field: 'ts', reason: time.reason });
  }
  for (const [field, check] of checks) {
    const value = event[field];
    if (value === undefined || failed.has(field)) continue;
    const reason = check(value);
    if (reason !== undefined) (problems ??= []).push({ field, reason });
  }
  if (problems !== undefined) return { ok: false, problems };
  return { ok: true, value: { event: event as unknown as InputsByKind[K], tsMs } };
}

function toProblem(error: ErrorObject, input: unknown, properties: Record<string, { description?: string }>): FieldProblem {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const field = String(params.missingProperty);
    const hint = properties[field]?.description;
    return { field, reason: `required field is missing${hint === undefined ? '' : ` (${hint})`}` };
  }
  // Properties are flat, so the first path segment is the field at fault ('' for the event itself).
  const field = error.instancePath.split('/')[1] ?? '';
  if (field === '') return { field, reason: 'not a JSON object (expected one event as {"field": value, ...})' };
  const value = (input as Record<string, unknown>)[field];
  switch (error.keyword) {
    case 'type':
      return { field, reason: `must be ${article(String(params.type))} (got ${jsonType(value)})` };
    case 'oneOf':
      return { field, reason: `must be ${properties[field]?.description ?? 'one of the documented forms'} (got ${jsonType(value)})` };
    case 'enum':
      return {
        field,
        reason: `unknown value ${echo(value)} (expected one of: ${(params.allowedValues as string[]).join(', ')})`,
      };
    case 'minLength':
      return { field, reason: 'must not be empty' };
    case 'maxLength':
      return { field, reason: `longer than ${String(params.limit)} characters (shorten it to at most ${String(params.limit)})` };
    case 'pattern':
      return { field, reason: PATTERN_REASONS[String(params.pattern)] ?? `does not match ${String(params.pattern)}` };
    case 'minimum':
      return { field, reason: params.limit === 0 ? 'must not be negative' : `must be at least ${String(params.limit)}` };
    case 'maximum':
      return { field, reason: `must be at most ${String(params.limit)}` };
    default:
      return { field, reason: `fails the ${error.keyword} rule of the event schema` };
  }
}

function article(type: string): string {
  if (type === 'integer') return 'a whole number';
  return type === 'object' || type === 'array' ? `an ${type}` : `a ${type}`;
}

/** The kind of value only: echoing values could put a phone number into a logged rejection. */
function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  // JSON.parse turns 1e400 into Infinity: a number, but not one any field can hold.
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a number too large to represent';
  return article(typeof value);
}

/** Enum misses are echoed (they show the typo) but cut short, as a batch line may carry 4 KB strings. */
const MAX_ECHO_LENGTH = 40;

function echo(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > MAX_ECHO_LENGTH ? `${text.slice(0, MAX_ECHO_LENGTH)}...` : text;
}

/** Validators by kind: typed input or one problem per bad field. `nowMs` bounds how far ahead `ts` may be. */
export const validateEvent: { [K in EventKind]: EventValidator<K> } = {
  send: createValidator('send'),
  verify: createValidator('verify'),
  billing: createValidator('billing'),
  receipt: createValidator('receipt'),
};
