/**
 * Sessions of a verify brute force, taken out of the traffic the cost and conversion detectors
 * read. A guessing session gets one code and never verifies: left in, it looks like pumping to a
 * conversion detector and could block the country of the victims it attacks. It is the
 * `verify_bruteforce` finding's, an authentication alert, never a cost breaker.
 */
import type { VerifyFailureMinute } from '@tollgate/store';
import { addCounters, zeroCounters, type Counters } from './counters.ts';
import { SCOPE_LEVELS, type CellScope } from './scope.ts';
import { levelKey, MS_PER_MINUTE, type MinuteCell, type ScopeSeries, type TrafficBook } from './traffic-book.ts';

/** Sessions over the failed-code limit, by the minute and fine cell of their send. */
export type GuessedSessions = Map<number, Map<string, { cell: CellScope; sessions: number }>>;

function cellKey(cell: CellScope): string {
  return `${cell.app}|${cell.flow}|${cell.country}|${cell.prefix}|${cell.asn}|${cell.provider}`;
}

/** The sessions among `rows` (failed-code rows by verify minute) with at least `limit` failures. */
export function guessedSessions(rows: readonly VerifyFailureMinute[], limit: number): GuessedSessions {
  const failures = new Map<string, { row: VerifyFailureMinute; failures: number }>();
  for (const row of rows) {
    if (row.subject !== 'session') continue;
    const seen = failures.get(row.key);
    if (seen) {
      seen.failures += row.failures;
      if (row.send_minute < seen.row.send_minute) seen.row = row;
    } else failures.set(row.key, { row, failures: row.failures });
  }
  const guessed: GuessedSessions = new Map();
  for (const { row, failures: count } of failures.values()) {
    if (count < limit) continue;
    const cell: CellScope = {
      app: row.app,
      flow: row.flow,
      country: row.country,
      prefix: row.prefix,
      asn: row.asn,
      provider: row.provider,
    };
    let minute = guessed.get(row.send_minute);
    if (!minute) guessed.set(row.send_minute, (minute = new Map()));
    const key = cellKey(cell);
    const entry = minute.get(key);
    if (entry) entry.sessions += 1;
    else minute.set(key, { cell, sessions: 1 });
  }
  return guessed;
}

/** Guessed sessions sent in one minute from one fine cell. */
export function guessedInCell(guessed: GuessedSessions, minuteMs: number, cell: CellScope): number {
  return guessed.get(minuteMs)?.get(cellKey(cell))?.sessions ?? 0;
}

/** Guessed sessions sent in [fromMs, toMs). */
export function countGuessed(guessed: GuessedSessions, fromMs: number, toMs: number): number {
  let total = 0;
  for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) for (const entry of guessed.get(m)?.values() ?? []) total += entry.sessions;
  return total;
}

/** What to take out of each scope's minute: per send minute, the counters of the guessed sessions per scope. */
export type GuessedBySeries = Map<number, Map<ScopeSeries, Counters>>;

/** A minute's fine cells by key (see `createCellsByKey`). */
export type CellsByKey = (cells: readonly MinuteCell[]) => ReadonlyMap<string, MinuteCell>;

const NO_CELLS: ReadonlyMap<string, MinuteCell> = new Map();

/**
 * Indexes each minute's cells by key once. While a brute force runs, every step looks up its
 * guessed sessions' cells in each minute of the last three hours, and a key for every cell of
 * those minutes at every step was much of a replay's garbage. The book replaces a minute's cell
 * list whenever the minute changes, so an index is kept per list, and dropped with it.
 */
export function createCellsByKey(): CellsByKey {
  const indexes = new WeakMap<readonly MinuteCell[], ReadonlyMap<string, MinuteCell>>();
  return (cells) => {
    if (cells.length === 0) return NO_CELLS;
    let index = indexes.get(cells);
    if (!index) indexes.set(cells, (index = new Map(cells.map((cell) => [cellKey(cell), cell]))));
    return index;
  };
}

/**
 * Spreads guessed sessions over the scopes their cell feeds: their session, one send each and
 * its estimated cost (read from the cell, since a guessing session gets one code).
 */
export function guessedBySeries(book: TrafficBook, guessed: GuessedSessions, cellsByKey: CellsByKey): GuessedBySeries {
  const bySeries: GuessedBySeries = new Map();
  for (const [m, minute] of guessed) {
    const cells = cellsByKey(book.cellsOf(m));
    const perSeries = new Map<ScopeSeries, Counters>();
    for (const [key, { sessions }] of minute) {
      const cell = cells.get(key);
      if (!cell) continue;
      const taken = zeroCounters();
      taken.sessions = Math.min(sessions, cell.counters.sessions);
      taken.sends = Math.min(sessions, cell.counters.sends);
      taken.costEstUsd = cell.counters.sends > 0 ? (cell.counters.costEstUsd * taken.sends) / cell.counters.sends : 0;
      for (const level of SCOPE_LEVELS) {
        const series = book.levels.get(level)?.get(levelKey(level, cell));
        if (!series) continue;
        const sum = perSeries.get(series);
        if (sum) addCounters(sum, taken);
        else perSeries.set(series, { ...taken });
      }
    }
    if (perSeries.size > 0) bySeries.set(m, perSeries);
  }
  return bySeries;
}

/**
 * Window sums per scope without the guessed sessions of [fromMs, toMs). The sums given are left
 * alone (they slide on to the next step): the scopes that lose sessions get copies.
 */
export function withoutGuessed(
  sums: ReadonlyMap<ScopeSeries, Counters>,
  guessed: GuessedBySeries,
  fromMs: number,
  toMs: number,
): ReadonlyMap<ScopeSeries, Counters> {
  const copies = new Map<ScopeSeries, Counters>();
  for (const [m, perSeries] of guessed) {
    if (m < fromMs || m >= toMs) continue;
    for (const [series, taken] of perSeries) {
      const sum = copies.get(series) ?? sums.get(series);
      if (!sum) continue;
      copies.set(series, addCounters(copies.has(series) ? sum : { ...sum }, taken, -1));
    }
  }
  if (copies.size === 0) return sums;
  const result = new Map(sums);
  for (const [series, copy] of copies) result.set(series, copy);
  return result;
}

/** A scope's counters of one minute without its guessed sessions (a copy when any were taken). */
export function minuteWithoutGuessed(series: ScopeSeries, minuteMs: number, guessed: GuessedBySeries): Counters | undefined {
  const minute = series.minutes.get(minuteMs);
  const taken = guessed.get(minuteMs)?.get(series);
  return minute && taken ? addCounters({ ...minute }, taken, -1) : minute;
}
