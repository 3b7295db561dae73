/**
 * Never-verified sessions from access networks unfamiliar to their destination country
 * (`familiar-networks.ts`), tallied per prefix and country over the sparse-scope test's long
 * windows, and kept as the step slides. A country's own people reach it through networks they
 * verify from; what a proxy pool sends comes through the handful that are not, so the tallies are
 * small, and a step only adds the minute that matured and takes out the minute leaving each
 * window. A network that turns familiar (someone verified from it) takes its sessions out of every
 * window, one forgotten after a week without a verified session puts them back, and a minute the
 * book replaced (the live cycle re-reads its mutable minutes) is tallied again.
 *
 * Sessions still within their grace count whole (their people may be typing): that part is summed
 * afresh at each step from the grace's few minutes, the rest is kept. Sessions of a verify brute
 * force are taken out by `recount`, for the scopes a step tests while there are any.
 */
import type { AsnProfile } from '@tollgate/store';
import { reachableSessions } from './counters.ts';
import type { FamiliarNetworks } from './familiar-networks.ts';
import type { CellScope } from './scope.ts';
import { hourStart, levelKey, MS_PER_MINUTE, type MinuteCell, type ScopeSeries, type TrafficBook } from './traffic-book.ts';
import { unverified } from './unverified-sessions.ts';

/**
 * Sessions from unfamiliar networks must have come within the last this-many-th part of a window:
 * an hour or two of them is a ramp while they still arrive; once none came in the window's last
 * quarter, the window only remembers an attack that ended.
 */
const STILL_ARRIVING_PARTS = 4;

/** One prefix's or country's unverified sessions from unfamiliar networks over one window. */
export interface UnfamiliarTally {
  sessions: number;
  /** How many networks sent them. */
  networks: number;
  /** Of them, past their grace and still not verified. */
  matured: number;
  /** Whether some of them came in the window's last quarter. */
  arriving: boolean;
}

/** The tallies at one step. Read-only, and valid for that step only. */
export interface UnfamiliarStep {
  /**
   * The prefixes and countries worth testing again: their tallies may have grown at this step
   * (sessions arrived, or their network turned unfamiliar), they were named at the step before, or
   * a new hour (a new expectation) began. A tally that only shrank (sessions left a window, or
   * matured and verified) cannot name a scope the step before did not.
   */
  due: ReadonlySet<ScopeSeries>;
  /** A scope's tally over one of the windows, brute-force sessions left in. */
  tally(series: ScopeSeries, windowMs: number): UnfamiliarTally | undefined;
  /** The same, counted afresh without the sessions `guessedInCell` says a verify brute force sent. */
  recount(series: ScopeSeries, windowMs: number, guessedInCell: (minuteMs: number, cell: CellScope) => number): UnfamiliarTally | undefined;
  /** Notes a scope the test named at this step: it is due at the next one, so its anomaly stays seen. */
  named(series: ScopeSeries): void;
}

export interface UnfamiliarTallies {
  /** Brings the tallies to step `nowMs` (the book's minutes and the record of familiar networks as they stand). */
  at(nowMs: number): UnfamiliarStep;
}

export interface UnfamiliarTalliesOptions {
  book: TrafficBook;
  networks: FamiliarNetworks;
  asns: ReadonlyMap<number, AsnProfile>;
  windowsMs: readonly number[];
  graceMs: number;
}

/** A destination country and client network with sessions in the longest window, and whether they count. */
interface Network {
  country: string;
  asn: number;
  counted: boolean;
  entries: Set<Entry>;
}

/** One fine cell with sessions from a network that is not hosting, as tallied. */
interface Entry {
  minuteMs: number;
  cell: MinuteCell;
  network: Network;
  /**
   * Its prefix and its country, looked up the first time the entry counts: most cells come from
   * the networks a country's own people verify from, and are kept only in case one is forgotten.
   */
  series: ScopeSeries[] | undefined;
  reachable: number;
  unverified: number;
}

/** An entry's prefix and country. */
type ScopesOf = (entry: Entry) => readonly ScopeSeries[];

/** Looks up an entry's prefix and country in `book` the first time they are asked for. */
function scopesIn(book: TrafficBook): ScopesOf {
  return (entry) => {
    if (entry.series) return entry.series;
    const series: ScopeSeries[] = [];
    for (const level of ['prefix', 'country'] as const) {
      const found = book.levels.get(level)?.get(levelKey(level, entry.cell));
      if (found) series.push(found);
    }
    entry.series = series;
    return series;
  };
}

/** Sessions per scope, and per network how many entries of them. */
interface Part {
  sessions: number;
  networks: Map<number, number>;
}

/** The matured part, [fromMs, toMs), of a window of `lengthMs` before the step. */
interface Span {
  lengthMs: number;
  fromMs: number;
  toMs: number;
  parts: Map<ScopeSeries, Part>;
}

function addToPart(parts: Map<ScopeSeries, Part>, series: ScopeSeries, asn: number, sessions: number, sign: 1 | -1): void {
  let part = parts.get(series);
  if (!part) parts.set(series, (part = { sessions: 0, networks: new Map() }));
  part.sessions += sign * sessions;
  const entries = (part.networks.get(asn) ?? 0) + sign;
  if (entries > 0) part.networks.set(asn, entries);
  else part.networks.delete(asn);
  if (part.networks.size === 0) parts.delete(series);
}

/** The minute length of a window's last quarter (minutes starting within it). */
function arrivingMs(windowMs: number): number {
  return Math.floor(windowMs / STILL_ARRIVING_PARTS / MS_PER_MINUTE) * MS_PER_MINUTE;
}

/**
 * Creates the tallies over one book and record of familiar networks. They hold an entry per fine
 * cell of the longest window from a known network that is not hosting (hosting networks are the
 * sparse test's other source), grouped by network for when a network turns familiar or not.
 */
export function createUnfamiliarTallies(options: UnfamiliarTalliesOptions): UnfamiliarTallies {
  const { book, networks: familiar, asns, windowsMs, graceMs } = options;
  const longestMs = Math.max(...windowsMs);
  const lengthsMs = [...new Set([...windowsMs, ...windowsMs.map(arrivingMs)])].filter((lengthMs) => lengthMs > graceMs);
  const spans = new Map<number, Span>(lengthsMs.map((lengthMs) => [lengthMs, { lengthMs, fromMs: 0, toMs: 0, parts: new Map() }]));
  /** The book's cell list each tallied minute was built from: a replaced minute has a new one. */
  const indexed = new Map<number, readonly MinuteCell[]>();
  const entriesOf = new Map<number, Entry[]>();
  const byCountry = new Map<string, Map<number, Network>>();
  let young = new Map<ScopeSeries, Part>();
  let named = new Set<ScopeSeries>();
  let grown = new Set<ScopeSeries>();
  let stepMs = Number.NaN;

  const scopesOf = scopesIn(book);

  /** Adds (or takes out) one entry's matured sessions in every span whose part holds its minute; what is added may grow its scopes' tallies. */
  const toSpans = (entry: Entry, sign: 1 | -1): void => {
    if (sign > 0) for (const series of scopesOf(entry)) grown.add(series);
    if (entry.unverified <= 0) return;
    for (const span of spans.values()) {
      if (entry.minuteMs < span.fromMs || entry.minuteMs >= span.toMs) continue;
      for (const series of scopesOf(entry)) addToPart(span.parts, series, entry.network.asn, entry.unverified, sign);
    }
  };

  const networkOf = (country: string, asn: number, nowMs: number): Network => {
    let ofCountry = byCountry.get(country);
    if (!ofCountry) byCountry.set(country, (ofCountry = new Map()));
    let network = ofCountry.get(asn);
    if (!network) {
      network = { country, asn, counted: !familiar.isFamiliar(country, asn, nowMs), entries: new Set() };
      ofCountry.set(asn, network);
    }
    return network;
  };

  const untally = (minuteMs: number): void => {
    for (const entry of entriesOf.get(minuteMs) ?? []) {
      if (entry.network.counted) toSpans(entry, -1);
      const { network } = entry;
      network.entries.delete(entry);
      if (network.entries.size === 0) byCountry.get(network.country)?.delete(network.asn);
    }
    entriesOf.delete(minuteMs);
    indexed.delete(minuteMs);
  };

  const tally = (minuteMs: number, cells: readonly MinuteCell[], nowMs: number): void => {
    const entries: Entry[] = [];
    for (const cell of cells) {
      const reachable = reachableSessions(cell.counters);
      if (cell.asn === 0 || reachable <= 0 || asns.get(cell.asn)?.hosting === true) continue;
      const network = networkOf(cell.country, cell.asn, nowMs);
      const entry: Entry = { minuteMs, cell, network, series: undefined, reachable, unverified: unverified(cell.counters) };
      network.entries.add(entry);
      entries.push(entry);
      if (network.counted) toSpans(entry, 1);
    }
    indexed.set(minuteMs, cells);
    entriesOf.set(minuteMs, entries);
  };

  /**
   * Moves one span to [fromMs, toMs). Sessions that enter a span at its end matured there (they
   * were counted whole while young), so sliding grows no tally; after a jump it is tallied afresh.
   */
  const slide = (span: Span, fromMs: number, toMs: number): void => {
    if (fromMs >= span.toMs || toMs <= span.fromMs) {
      span.parts.clear();
      spanMinutes(entriesOf, scopesOf, span, fromMs, toMs, 1);
      for (const series of span.parts.keys()) grown.add(series);
    } else {
      spanMinutes(entriesOf, scopesOf, span, span.fromMs, fromMs, -1);
      spanMinutes(entriesOf, scopesOf, span, fromMs, span.fromMs, 1);
      spanMinutes(entriesOf, scopesOf, span, toMs, span.toMs, -1);
      spanMinutes(entriesOf, scopesOf, span, span.toMs, toMs, 1);
    }
    span.fromMs = fromMs;
    span.toMs = toMs;
  };

  /** Flips the networks that turned familiar or were forgotten, taking their sessions out or putting them back. */
  const refamiliarize = (nowMs: number): void => {
    for (const { country, asn } of familiar.changesAt(nowMs)) {
      const network = byCountry.get(country)?.get(asn);
      if (!network) continue;
      const counted = !familiar.isFamiliar(country, asn, nowMs);
      if (counted === network.counted) continue;
      network.counted = counted;
      for (const entry of network.entries) toSpans(entry, counted ? 1 : -1);
    }
  };

  const step: UnfamiliarStep = {
    due: new Set(),
    tally: (series, windowMs) => combined(spans, young, graceMs, series, windowMs),
    recount: (series, windowMs, guessedInCell) => recount(entriesOf, scopesOf, stepMs, graceMs, { series, windowMs }, guessedInCell),
    named(series) {
      named.add(series);
    },
  };

  return {
    at(nowMs) {
      grown = new Set();
      for (let m = nowMs - longestMs; m < nowMs; m += MS_PER_MINUTE) {
        const cells = book.cellsOf(m);
        const known = indexed.get(m);
        if (known === cells || (known === undefined && cells.length === 0)) continue;
        if (known) untally(m);
        tally(m, cells, nowMs);
      }
      for (const span of spans.values()) slide(span, nowMs - span.lengthMs, nowMs - graceMs);
      for (const m of indexed.keys()) if (m < nowMs - longestMs || m >= nowMs) untally(m);
      refamiliarize(nowMs);
      young = youngParts(entriesOf, scopesOf, nowMs, graceMs);
      for (const series of named) grown.add(series);
      if (hourStart(nowMs) === nowMs) {
        for (const series of spans.get(longestMs)?.parts.keys() ?? []) grown.add(series);
        for (const series of young.keys()) grown.add(series);
      }
      named = new Set();
      stepMs = nowMs;
      step.due = grown;
      return step;
    },
  };
}

/** The young part of every scope: sessions within their grace, counted whole. */
function youngParts(entriesOf: ReadonlyMap<number, Entry[]>, scopesOf: ScopesOf, nowMs: number, graceMs: number): Map<ScopeSeries, Part> {
  const parts = new Map<ScopeSeries, Part>();
  for (let m = nowMs - graceMs; m < nowMs; m += MS_PER_MINUTE) {
    for (const entry of entriesOf.get(m) ?? []) {
      if (!entry.network.counted) continue;
      for (const series of scopesOf(entry)) addToPart(parts, series, entry.network.asn, entry.reachable, 1);
    }
  }
  return parts;
}

/** A scope's tally over a window: its kept matured part and its young part. */
function combined(
  spans: ReadonlyMap<number, Span>,
  young: ReadonlyMap<ScopeSeries, Part>,
  graceMs: number,
  series: ScopeSeries,
  windowMs: number,
): UnfamiliarTally | undefined {
  const old = spans.get(windowMs)?.parts.get(series);
  const fresh = young.get(series);
  if (!old && !fresh) return undefined;
  let networks = old?.networks.size ?? 0;
  for (const asn of fresh?.networks.keys() ?? []) if (!old?.networks.has(asn)) networks += 1;
  const lastMs = arrivingMs(windowMs);
  const lately = (fresh?.sessions ?? 0) + (lastMs > graceMs ? (spans.get(lastMs)?.parts.get(series)?.sessions ?? 0) : 0);
  return { sessions: (old?.sessions ?? 0) + (fresh?.sessions ?? 0), networks, matured: old?.sessions ?? 0, arriving: lately > 0 };
}

/** A scope's tally over a window counted afresh from the entries, without the sessions `guessedInCell` names. */
function recount(
  entriesOf: ReadonlyMap<number, Entry[]>,
  scopesOf: ScopesOf,
  stepMs: number,
  graceMs: number,
  { series, windowMs }: { series: ScopeSeries; windowMs: number },
  guessedInCell: (minuteMs: number, cell: CellScope) => number,
): UnfamiliarTally | undefined {
  const graceFromMs = stepMs - graceMs;
  const asnsSeen = new Set<number>();
  let sessions = 0;
  let matured = 0;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (let m = stepMs - windowMs; m < stepMs; m += MS_PER_MINUTE) {
    for (const entry of entriesOf.get(m) ?? []) {
      if (!entry.network.counted || !scopesOf(entry).includes(series)) continue;
      const counted = (m >= graceFromMs ? entry.reachable : entry.unverified) - guessedInCell(m, entry.cell);
      if (counted <= 0) continue;
      sessions += counted;
      if (m < graceFromMs) matured += counted;
      asnsSeen.add(entry.network.asn);
      lastMs = m;
    }
  }
  if (sessions === 0) return undefined;
  return { sessions, networks: asnsSeen.size, matured, arriving: lastMs >= stepMs - windowMs / STILL_ARRIVING_PARTS };
}

/** Adds (or takes out) the matured sessions of the minutes [fromMs, toMs) in one span. */
function spanMinutes(
  entriesOf: ReadonlyMap<number, Entry[]>,
  scopesOf: ScopesOf,
  span: Span,
  fromMs: number,
  toMs: number,
  sign: 1 | -1,
): void {
  for (let m = fromMs; m < toMs; m += MS_PER_MINUTE) {
    for (const entry of entriesOf.get(m) ?? []) {
      if (!entry.network.counted || entry.unverified <= 0) continue;
      for (const series of scopesOf(entry)) addToPart(span.parts, series, entry.network.asn, entry.unverified, sign);
    }
  }
}
