/**
 * The detector's memory of traffic: recent minutes per fine cell and per scope, and committed
 * hours per scope for the baselines. Minutes stay replaceable until committed (late verifies and
 * receipts land in the minute of their send), then fold into their hour. Keeping hours
 * incrementally is what makes a detection step cost as much as the active scopes, not the history.
 */
import { addCounters, clearCounters, zeroCounters, type Counters } from './counters.ts';
import { LEVEL_DIMENSIONS, SCOPE_LEVELS, scopeAt, type CellScope, type Scope, type ScopeLevel } from './scope.ts';

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

export interface MinuteCell extends CellScope {
  counters: Counters;
}

/** A scope with an entry in a minute, and its counters of that minute (the object its `minutes` holds). */
export interface MinuteEntry {
  series: ScopeSeries;
  counters: Counters;
}

/** One scope at one level: its recent minutes and its committed hours. */
export interface ScopeSeries {
  level: ScopeLevel;
  key: string;
  scope: Scope;
  minutes: Map<number, Counters>;
  hours: Map<number, Counters>;
  /** Earliest minute with a send: a scope younger than the history is a new destination. */
  firstSendMs: number;
  /** Latest minute with any traffic: scopes quiet for a long while are skipped by the detectors. */
  lastActiveMs: number;
  /** Baselines by the hour they were computed for, reused for every step of that hour (see `hourly`); the latest hour asked for. */
  cache: Map<number, Map<string, unknown>>;
  cacheHourMs: number;
}

export interface TrafficBookOptions {
  /** How long minutes are kept after they are committed (the longest detector window plus maturity). */
  recentMs: number;
  /** How long committed hours are kept (the seasonal baseline's look-back, and the month for budgets). */
  historyMs: number;
}

export interface TrafficBook {
  readonly levels: ReadonlyMap<ScopeLevel, ReadonlyMap<string, ScopeSeries>>;
  /** Start of the data the book has seen: hours before it are unknown, not zero. */
  readonly historyStartMs: number;
  readonly committedUntilMs: number;
  /** Bumped whenever minutes are replaced or dropped: sums kept from an earlier step hold only while it stands. */
  readonly version: number;
  /** Bumped whenever committed hours are replaced (`setHours`); committing minutes only adds to hours not yet whole. */
  readonly hoursVersion: number;
  /** Hours before this were dropped by `prune` (which leaves `hoursVersion` alone). */
  readonly keptHoursFromMs: number;
  /** The fine cells of a minute still in memory. */
  cellsOf(minuteMs: number): readonly MinuteCell[];
  /** The scopes with an entry in a minute still in memory, each once, in the order the minute's cells first fed them. */
  entriesOf(minuteMs: number): readonly MinuteEntry[];
  /** Replaces a minute's cells; minutes already committed are left alone (their hour holds them). */
  setMinute(minuteMs: number, cells: readonly MinuteCell[]): void;
  /** Folds every minute before `untilMs` into its hour. */
  commitUntil(untilMs: number): void;
  /** Replaces committed hours of one level's scopes (warm-up, and late billing re-read). */
  setHours(level: ScopeLevel, rows: readonly { hourMs: number; cell: CellScope; counters: Counters }[]): void;
  /** Marks where history begins (warm-up from the store, or the first minute fed). */
  markHistoryStart(ms: number): void;
  /** Drops minutes and hours too old to matter at `nowMs`. */
  prune(nowMs: number): void;
  /** Sum of a scope's minutes in [fromMs, toMs), into `into` when given (cleared first) or a new object. */
  windowSum(series: ScopeSeries, fromMs: number, toMs: number, into?: Counters): Counters;
  /** Sum of a scope's committed hours in [fromMs, toMs) plus the minutes of that span not yet committed. */
  spanSum(series: ScopeSeries, fromMs: number, toMs: number): Counters;
}

export function hourStart(ms: number): number {
  return Math.floor(ms / MS_PER_HOUR) * MS_PER_HOUR;
}

export function levelKey(level: ScopeLevel, cell: CellScope): string {
  const dims = LEVEL_DIMENSIONS[level];
  let key = '';
  for (const dim of dims) key += `${String(cell[dim])}|`;
  return key;
}

/** The series of each level by key, created on first sight of a cell. */
interface SeriesIndex {
  levels: Map<ScopeLevel, Map<string, ScopeSeries>>;
  seriesFor(level: ScopeLevel, cell: CellScope): ScopeSeries;
  /** The series a fine cell feeds, one per level. */
  seriesForCell(cell: CellScope): ScopeSeries[];
  /** Forgets the per-cell lists (pruning may drop series). */
  forgetCells(): void;
}

function createSeriesIndex(): SeriesIndex {
  const levels = new Map<ScopeLevel, Map<string, ScopeSeries>>(SCOPE_LEVELS.map((level) => [level, new Map()]));
  const seriesFor = (level: ScopeLevel, cell: CellScope): ScopeSeries => {
    const byKey = levels.get(level) as Map<string, ScopeSeries>;
    const key = levelKey(level, cell);
    let series = byKey.get(key);
    if (!series) {
      series = {
        level,
        key,
        scope: scopeAt(level, cell),
        minutes: new Map(),
        hours: new Map(),
        firstSendMs: Number.POSITIVE_INFINITY,
        lastActiveMs: Number.NEGATIVE_INFINITY,
        cache: new Map(),
        cacheHourMs: Number.NaN,
      };
      byKey.set(key, series);
    }
    return series;
  };
  // Every cell of every mutable minute is set again each cycle, so the level keys are built once
  // per cell, not at every visit.
  const seriesOfCell = new Map<string, ScopeSeries[]>();
  return {
    levels,
    seriesFor,
    seriesForCell(cell) {
      const key = `${cell.app}|${cell.flow}|${cell.country}|${cell.prefix}|${cell.asn}|${cell.provider}`;
      let list = seriesOfCell.get(key);
      if (!list) seriesOfCell.set(key, (list = SCOPE_LEVELS.map((level) => seriesFor(level, cell))));
      return list;
    },
    forgetCells: () => seriesOfCell.clear(),
  };
}

function touch(series: ScopeSeries, ms: number, counters: Counters): void {
  if (counters.sends > 0 && ms < series.firstSendMs) series.firstSendMs = ms;
  if (ms > series.lastActiveMs) series.lastActiveMs = ms;
}

/**
 * Deletes the keys before `untilMs` of a map keyed by minute or hour (`stepMs`) that holds none
 * before `goneBeforeMs`: by key when that is fewer than the map holds (a scope keeps five weeks of
 * hours and an hourly prune drops one of them), else by walking the map.
 */
function dropBefore(map: Map<number, unknown>, goneBeforeMs: number, untilMs: number, stepMs: number): void {
  if ((untilMs - goneBeforeMs) / stepMs < map.size) {
    for (let key = Math.ceil(goneBeforeMs / stepMs) * stepMs; key < untilMs; key += stepMs) map.delete(key);
  } else for (const key of map.keys()) if (key < untilMs) map.delete(key);
}

/** Pruning's reach: what went before, what goes now. */
interface PruneBounds {
  minutesGoneBeforeMs: number;
  oldestMinuteMs: number;
  hoursGoneBeforeMs: number;
  oldestHourMs: number;
}

/** Drops series minutes before `oldestMinuteMs`, hours before `oldestHourMs`, and series left empty. */
function pruneSeries(levels: Map<ScopeLevel, Map<string, ScopeSeries>>, bounds: PruneBounds): void {
  for (const byKey of levels.values()) {
    for (const [key, series] of byKey) {
      dropBefore(series.minutes, bounds.minutesGoneBeforeMs, bounds.oldestMinuteMs, MS_PER_MINUTE);
      dropBefore(series.hours, bounds.hoursGoneBeforeMs, bounds.oldestHourMs, MS_PER_HOUR);
      if (series.minutes.size === 0 && series.hours.size === 0) byKey.delete(key);
    }
  }
}

function windowSum(series: ScopeSeries, fromMs: number, toMs: number, into?: Counters): Counters {
  const sum = into ? clearCounters(into) : zeroCounters();
  if (series.lastActiveMs < fromMs) return sum;
  for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) {
    const minute = series.minutes.get(m);
    if (minute) addCounters(sum, minute);
  }
  return sum;
}

/** Creates an empty book; the detector warms it from the store or a backtest feeds it minute by minute. */
export function createTrafficBook(options: TrafficBookOptions): TrafficBook {
  const index = createSeriesIndex();
  const cells = new Map<number, MinuteCell[]>();
  // The scopes with an entry in each minute: window sums walk these instead of every scope.
  const entries = new Map<number, MinuteEntry[]>();
  const noEntries: readonly MinuteEntry[] = [];
  let historyStartMs = Number.POSITIVE_INFINITY;
  let committedUntilMs = Number.NEGATIVE_INFINITY;
  let version = 0;
  let hoursVersion = 0;
  let keptHoursFromMs = Number.NEGATIVE_INFINITY;
  // What the last prune dropped everything before (series minutes and hours), so the next drops
  // only what aged since; hours set from the store may be older, and make it walk them all again.
  let minutesGoneBeforeMs = Number.NEGATIVE_INFINITY;
  let hoursGoneBeforeMs = Number.NEGATIVE_INFINITY;

  /** Folds a minute's scope entries into their hour. */
  const commitMinute = (minuteMs: number): void => {
    const hourMs = hourStart(minuteMs);
    for (const { series, counters } of entries.get(minuteMs) ?? []) {
      let hour = series.hours.get(hourMs);
      if (!hour) series.hours.set(hourMs, (hour = zeroCounters()));
      addCounters(hour, counters);
    }
  };

  const book: TrafficBook = {
    levels: index.levels,
    get historyStartMs() {
      return historyStartMs;
    },
    get committedUntilMs() {
      return committedUntilMs;
    },
    get version() {
      return version;
    },
    get hoursVersion() {
      return hoursVersion;
    },
    get keptHoursFromMs() {
      return keptHoursFromMs;
    },
    cellsOf: (minuteMs) => cells.get(minuteMs) ?? [],
    entriesOf: (minuteMs) => entries.get(minuteMs) ?? noEntries,
    setMinute(minuteMs, minuteCells) {
      if (minuteMs < committedUntilMs) return;
      version += 1;
      book.markHistoryStart(minuteMs);
      for (const entry of entries.get(minuteMs) ?? []) entry.series.minutes.delete(minuteMs);
      cells.set(minuteMs, [...minuteCells]);
      const present: MinuteEntry[] = [];
      entries.set(minuteMs, present);
      for (const cell of minuteCells) {
        for (const series of index.seriesForCell(cell)) {
          let sum = series.minutes.get(minuteMs);
          if (!sum) {
            series.minutes.set(minuteMs, (sum = zeroCounters()));
            present.push({ series, counters: sum });
          }
          addCounters(sum, cell.counters);
          touch(series, minuteMs, cell.counters);
        }
      }
    },
    commitUntil(untilMs) {
      if (untilMs - committedUntilMs <= MS_PER_MINUTE) {
        // A step commits at most one minute (minutes start on the minute): no walk over the
        // three hours of minutes kept to find it.
        const minuteMs = Math.ceil(committedUntilMs / MS_PER_MINUTE) * MS_PER_MINUTE;
        if (minuteMs < untilMs && cells.has(minuteMs)) commitMinute(minuteMs);
      } else {
        for (const minuteMs of cells.keys()) if (minuteMs >= committedUntilMs && minuteMs < untilMs) commitMinute(minuteMs);
      }
      if (untilMs > committedUntilMs) committedUntilMs = untilMs;
    },
    setHours(level, rows) {
      hoursVersion += 1;
      hoursGoneBeforeMs = Number.NEGATIVE_INFINITY;
      for (const row of rows) {
        const series = index.seriesFor(level, row.cell);
        series.hours.set(row.hourMs, { ...row.counters });
        touch(series, row.hourMs, row.counters);
      }
    },
    markHistoryStart(ms) {
      if (ms < historyStartMs) historyStartMs = ms;
    },
    prune(nowMs) {
      version += 1;
      const oldestMinute = Math.min(nowMs - options.recentMs, committedUntilMs);
      for (const minuteMs of cells.keys()) {
        if (minuteMs < oldestMinute) {
          cells.delete(minuteMs);
          entries.delete(minuteMs);
        }
      }
      const oldestHour = nowMs - options.historyMs;
      if (oldestHour > keptHoursFromMs) keptHoursFromMs = oldestHour;
      index.forgetCells();
      pruneSeries(index.levels, { minutesGoneBeforeMs, oldestMinuteMs: oldestMinute, hoursGoneBeforeMs, oldestHourMs: oldestHour });
      minutesGoneBeforeMs = Math.max(minutesGoneBeforeMs, oldestMinute);
      hoursGoneBeforeMs = Math.max(hoursGoneBeforeMs, oldestHour);
      if (historyStartMs < oldestHour) historyStartMs = hourStart(oldestHour);
    },
    windowSum,
    spanSum(series, fromMs, toMs) {
      const sum = zeroCounters();
      // Hours hold committed minutes only (and warm-up hours before the commit point), so every
      // hour before the commit point is added whole and the minutes after it from the recent window.
      for (let h = hourStart(fromMs); h < Math.min(toMs, committedUntilMs); h += MS_PER_HOUR) {
        const hour = series.hours.get(h);
        if (hour) addCounters(sum, hour);
      }
      const uncommittedFrom = Math.max(fromMs, committedUntilMs);
      if (uncommittedFrom < toMs) addCounters(sum, windowSum(series, uncommittedFrom, toMs));
      return sum;
    },
  };
  return book;
}
