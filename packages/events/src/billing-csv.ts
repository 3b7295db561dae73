import { parse } from 'csv-parse/sync';
import type { Rejection } from './rows.ts';
import type { BillingInput } from './wire.ts';

/** A CSV line as a billing event, ready for validation (numbers parsed, codes upper-cased). */
export type BillingCsvValue = { [K in keyof BillingInput]?: string | number };

export interface ParsedBillingCsv {
  items: { line: number; value: BillingCsvValue }[];
  rejected: Rejection[];
}

/**
 * Column names by field, first match wins. Besides Tollgate's own names, the names providers use
 * in their exports (Twilio: Sid, DateSent, Price, PriceUnit, NumSegments). Headers are compared
 * case-insensitively with spaces and dashes read as underscores, so "Date Sent" is date_sent.
 */
const COLUMNS: { [K in keyof BillingInput]-?: { aliases: readonly string[]; required: boolean } } = {
  event_id: { aliases: ['event_id', 'message_id', 'sid', 'message_sid'], required: true },
  ts: { aliases: ['ts', 'date_sent', 'datesent', 'timestamp'], required: true },
  provider: { aliases: ['provider'], required: true },
  country: { aliases: ['country'], required: true },
  phone_prefix: { aliases: ['phone_prefix'], required: false },
  segments: { aliases: ['segments', 'num_segments', 'numsegments'], required: false },
  cost: { aliases: ['cost', 'price'], required: true },
  currency: { aliases: ['currency', 'price_unit', 'priceunit'], required: false },
};

const HEADER_LINE = 1;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
const EPOCH_MS = /^\d{12,14}$/;

/**
 * Reads a provider billing export. The header row is required and decides which column is which;
 * a missing required column rejects the whole file (every line would fail the same way). Each
 * item keeps the line it starts on in the file, so a rejection points at the row in a spreadsheet.
 */
export function parseBillingCsv(text: string): ParsedBillingCsv {
  const rejected: Rejection[] = [];
  const records = parse(text, {
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error, raw) => {
      const endLine = typeof error?.lines === 'number' ? error.lines : 0;
      rejected.push({
        line: raw === undefined ? endLine : startLine(endLine, raw),
        field: '',
        reason:
          `malformed CSV: ${error?.message ?? 'unreadable record'} (quote fields that contain commas, quotes or newlines` +
          ' and double the quotes inside them; an unclosed quote swallows every line after it)',
      });
      return undefined;
    },
  }) as unknown as { record: string[]; info: { lines: number }; raw: string }[];

  const [header, ...rows] = records;
  if (header === undefined) {
    const reason = 'empty file (expected a header row, then one billing line per row)';
    return { items: [], rejected: [{ line: HEADER_LINE, field: '', reason }] };
  }
  const names = header.record.map((name) => name.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const positions: Partial<Record<keyof BillingInput, number>> = {};
  for (const [field, column] of Object.entries(COLUMNS) as [keyof BillingInput, (typeof COLUMNS)[keyof BillingInput]][]) {
    const alias = column.aliases.find((name) => names.includes(name));
    if (alias !== undefined) positions[field] = names.indexOf(alias);
    else if (column.required) {
      const others = column.aliases.slice(1);
      rejected.push({
        line: HEADER_LINE,
        field,
        reason:
          `the header has no ${field} column${others.length > 0 ? ` (also accepted: ${others.join(', ')})` : ''}` +
          ': add it, or rename the column that holds it',
      });
    }
  }
  if (rejected.some((rejection) => rejection.line === HEADER_LINE)) return { items: [], rejected };

  const items = rows.map(({ record, info, raw }) => ({
    line: startLine(info.lines, raw),
    value: toBillingValue(record, positions, names),
  }));
  return { items, rejected };
}

function toBillingValue(record: string[], positions: Partial<Record<keyof BillingInput, number>>, names: string[]): BillingCsvValue {
  const value: BillingCsvValue = {};
  for (const [field, position] of Object.entries(positions) as [keyof BillingInput, number][]) {
    const cell = record[position]?.trim() ?? '';
    if (cell === '') continue;
    value[field] = convert(field, cell, names[position]);
  }
  return value;
}

function convert(field: keyof BillingInput, cell: string, column: string | undefined): string | number {
  switch (field) {
    case 'cost': {
      if (!NUMBER.test(cell)) return cell;
      // Twilio reports charges as negative prices ("-0.0079"); a `cost` column is already positive.
      return column === 'price' ? Math.abs(Number(cell)) : Number(cell);
    }
    case 'segments':
      return NUMBER.test(cell) ? Number(cell) : cell;
    case 'ts':
      return EPOCH_MS.test(cell) ? Number(cell) : cell;
    case 'country':
    case 'currency':
      return cell.toUpperCase();
    default:
      return cell;
  }
}

/**
 * csv-parse reports the line a record ends on; a quoted field may span lines, and the raw text
 * also holds the blank lines skipped before the record, so count back through the record itself.
 */
function startLine(endLine: number, raw: string): number {
  const record = raw.replace(/^[\r\n]+/, '').replace(/\r?\n$/, '');
  let newlines = 0;
  for (const char of record) if (char === '\n') newlines++;
  return endLine - newlines;
}
