import { parse } from 'csv-parse/sync';
import type { Rejection } from './rows.ts';

/** How a field is found in a CSV header: its accepted column names (first match wins). */
export interface CsvColumn {
  aliases: readonly string[];
  required: boolean;
}

export interface CsvTable<F extends string> {
  /** The header's name of each field found (after normalising: lower case, spaces and dashes as underscores). */
  columns: Partial<Record<F, string>>;
  /** Data rows with the line each starts on in the file, non-empty cells only, trimmed. */
  rows: { line: number; cells: Partial<Record<F, string>> }[];
  rejected: Rejection[];
}

const HEADER_LINE = 1;

/**
 * Reads a CSV whose header row says which column is which. Headers are compared
 * case-insensitively with spaces and dashes read as underscores, so "Date Sent" is date_sent. A
 * missing required column rejects the whole file (every line would fail the same way); a malformed
 * record is rejected on its own line. `what` names a row in messages ("billing line").
 */
export function readCsvTable<F extends string>(text: string, fields: Record<F, CsvColumn>, what: string): CsvTable<F> {
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
    const reason = `empty file (expected a header row, then one ${what} per row)`;
    return { columns: {}, rows: [], rejected: [{ line: HEADER_LINE, field: '', reason }] };
  }
  const names = header.record.map((name) =>
    name
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  const positions: Partial<Record<F, number>> = {};
  const columns: Partial<Record<F, string>> = {};
  for (const [field, column] of Object.entries(fields) as [F, CsvColumn][]) {
    const alias = column.aliases.find((name) => names.includes(name));
    if (alias !== undefined) {
      positions[field] = names.indexOf(alias);
      columns[field] = alias;
    } else if (column.required) {
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
  if (rejected.some((rejection) => rejection.line === HEADER_LINE)) return { columns, rows: [], rejected };

  return {
    columns,
    rows: rows.map(({ record, info, raw }) => {
      const cells: Partial<Record<F, string>> = {};
      for (const [field, position] of Object.entries(positions) as [F, number][]) {
        const cell = record[position]?.trim() ?? '';
        if (cell !== '') cells[field] = cell;
      }
      return { line: startLine(info.lines, raw), cells };
    }),
    rejected,
  };
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
