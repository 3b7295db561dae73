import type { Rejection } from './rows.ts';

/** One event of a batch, parsed but not yet validated, with the line a rejection will name. */
export interface BatchItem {
  line: number;
  value: unknown;
}

export interface ParsedBatch {
  items: BatchItem[];
  rejected: Rejection[];
}

export type BatchFormat = 'json' | 'ndjson';

/**
 * Most events a batch may hold; the server refuses larger ones. 10,000 events of ~400 bytes is
 * ~4 MB: big enough for a collector's flush interval, small enough to parse in a few milliseconds
 * without stalling other requests.
 */
export const MAX_BATCH_EVENTS = 10_000;

/** Events are flat objects; deeper values are either a mistake or an attempt to make parsing expensive. */
export const MAX_NESTING_DEPTH = 8;

/** No field of the contract needs more (user agents stop at 512); longer strings only cost memory. */
export const MAX_STRING_LENGTH = 4096;

/** Line 0 names the body as a whole (it is not JSON at all, or not an array or object). */
const WHOLE_BODY = 0;

/**
 * Splits a request body into events. JSON: an array of objects (or one object), line = array
 * index + 1. NDJSON: one object per line, line = the 1-based line number, blank lines skipped; a
 * broken line (often the last one, truncated) is rejected alone and the others still count.
 */
export function parseBatch(body: string, format: BatchFormat): ParsedBatch {
  return format === 'ndjson' ? parseNdjson(body) : parseJson(body);
}

function parseJson(body: string): ParsedBatch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return { items: [], rejected: [{ line: WHOLE_BODY, field: '', reason: notJson(error, 'a JSON array of event objects') }] };
  }
  const values = Array.isArray(parsed) ? parsed : isObject(parsed) ? [parsed] : undefined;
  if (values === undefined) {
    return {
      items: [],
      rejected: [{ line: WHOLE_BODY, field: '', reason: 'not a JSON array of events (expected [{...}, {...}] or a single {...})' }],
    };
  }
  const batch: ParsedBatch = { items: [], rejected: [] };
  values.forEach((value, index) => accept(batch, index + 1, value));
  return batch;
}

function parseNdjson(body: string): ParsedBatch {
  const batch: ParsedBatch = { items: [], rejected: [] };
  let line = 0;
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf('\n', start);
    if (end === -1) end = body.length;
    line++;
    const text = body.slice(start, end);
    start = end + 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      batch.rejected.push({ line, field: '', reason: notJson(error, 'one complete JSON object per line') });
      continue;
    }
    accept(batch, line, value);
  }
  return batch;
}

function accept(batch: ParsedBatch, line: number, value: unknown): void {
  if (!isObject(value)) {
    batch.rejected.push({ line, field: '', reason: 'not a JSON object (expected one event as {"field": value, ...})' });
    return;
  }
  const problem = findOversized(value, '', 1);
  if (problem === undefined) batch.items.push({ line, value });
  else batch.rejected.push({ line, ...problem });
}

/**
 * First value nested too deep or string too long, with its path ("user_agent", "meta.a.b").
 * Recursion stops at MAX_NESTING_DEPTH, so the walk itself cannot be made deep. It runs for every
 * event, so the path is only built on the way out of a problem, never for fields that are fine.
 */
function findOversized(value: unknown, path: string, depth: number): { field: string; reason: string } | undefined {
  if (typeof value === 'string') {
    return value.length > MAX_STRING_LENGTH
      ? { field: path, reason: `string longer than ${MAX_STRING_LENGTH} characters (no event field needs more: shorten or drop it)` }
      : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_NESTING_DEPTH) {
    return { field: path, reason: `nested deeper than ${MAX_NESTING_DEPTH} levels (events are flat objects: flatten or drop this field)` };
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const child = record[key];
    if ((typeof child !== 'string' || child.length <= MAX_STRING_LENGTH) && (typeof child !== 'object' || child === null)) continue;
    const problem = findOversized(child, path === '' ? key : `${path}.${key}`, depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * V8 quotes the surrounding input in some messages (`Unexpected token 'a', "abc+4474…"... is not
 * valid JSON`); a rejection must not echo a phone number back, so everything from the first
 * double quote on is dropped. V8 never uses a double quote in the rest of its message.
 */
const QUOTED_INPUT = /,?\s*".*$/s;

function notJson(error: unknown, expected: string): string {
  const detail = error instanceof Error ? error.message.replace(QUOTED_INPUT, '') : String(error);
  return `not valid JSON: ${detail} (expected ${expected})`;
}
