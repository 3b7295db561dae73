/**
 * Per-minute rows that the rollup cannot hold (distinct numbers per number block, failed codes per
 * session, IP or phone), kept for the recent window. Minutes are replaced whole, like the book's.
 */
import { MS_PER_MINUTE } from './traffic-book.ts';

export interface ActivityLog<Row> {
  setMinute(minuteMs: number, rows: readonly Row[]): void;
  /** Rows of the minutes in [fromMs, toMs). */
  rowsIn(fromMs: number, toMs: number): Row[];
  prune(oldestMs: number): void;
}

export function createActivityLog<Row>(): ActivityLog<Row> {
  const minutes = new Map<number, readonly Row[]>();
  return {
    setMinute(minuteMs, rows) {
      if (rows.length === 0) minutes.delete(minuteMs);
      else minutes.set(minuteMs, rows);
    },
    rowsIn(fromMs, toMs) {
      const rows: Row[] = [];
      for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) {
        const minute = minutes.get(m);
        if (minute) rows.push(...minute);
      }
      return rows;
    },
    prune(oldestMs) {
      for (const minuteMs of minutes.keys()) if (minuteMs < oldestMs) minutes.delete(minuteMs);
    },
  };
}

/** Groups rows by minute for `setMinute` (store queries return them in time order). */
export function byMinute<Row extends { ts: number }>(rows: readonly Row[]): Map<number, Row[]> {
  const grouped = new Map<number, Row[]>();
  for (const row of rows) {
    const minuteMs = Math.floor(row.ts / MS_PER_MINUTE) * MS_PER_MINUTE;
    let list = grouped.get(minuteMs);
    if (!list) grouped.set(minuteMs, (list = []));
    list.push(row);
  }
  return grouped;
}
