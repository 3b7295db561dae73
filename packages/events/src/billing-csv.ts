import { readCsvTable, type CsvColumn } from './csv-table.ts';
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
const COLUMNS: { [K in keyof BillingInput]-?: CsvColumn } = {
  event_id: { aliases: ['event_id', 'message_id', 'sid', 'message_sid'], required: true },
  ts: { aliases: ['ts', 'date_sent', 'datesent', 'timestamp'], required: true },
  provider: { aliases: ['provider'], required: true },
  country: { aliases: ['country'], required: true },
  phone_prefix: { aliases: ['phone_prefix'], required: false },
  segments: { aliases: ['segments', 'num_segments', 'numsegments'], required: false },
  cost: { aliases: ['cost', 'price'], required: true },
  currency: { aliases: ['currency', 'price_unit', 'priceunit'], required: false },
};

const NUMBER = /^-?\d+(?:\.\d+)?$/;
const EPOCH_MS = /^\d{12,14}$/;

/**
 * Reads a provider billing export. The header row is required and decides which column is which;
 * a missing required column rejects the whole file (every line would fail the same way). Each
 * item keeps the line it starts on in the file, so a rejection points at the row in a spreadsheet.
 */
export function parseBillingCsv(text: string): ParsedBillingCsv {
  const table = readCsvTable(text, COLUMNS, 'billing line');
  const items = table.rows.map(({ line, cells }) => {
    const value: BillingCsvValue = {};
    for (const [field, cell] of Object.entries(cells) as [keyof BillingInput, string][])
      value[field] = convert(field, cell, table.columns[field]);
    return { line, value };
  });
  return { items, rejected: table.rejected };
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
