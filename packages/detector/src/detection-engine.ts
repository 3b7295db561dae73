/**
 * The detection engine: the traffic book, the activity logs and the anomaly lifecycle, stepped
 * minute by minute on event time. It does no I/O: the live detector feeds it from the store every
 * cycle and the backtest feeds it stored history, so both raise the same anomalies at the same times.
 */
import type { PlannedEvent } from './planned-event.ts';
import type {
  AsnProfile,
  DeliveryLatencyHour,
  DeliveryLatencyMinute,
  DetectorTrafficRow,
  HostingAddressVerifiedHour,
  HostingSessionAddressRow,
  NumberBlockMinute,
  VerifyFailureMinute,
} from '@tollgate/store';
import { createActivityLog, type ActivityLog } from './activity-log.ts';
import { createHostingAddresses, type HostingAddresses } from './hosting-addresses.ts';
import { createAnomalyLifecycle, type AnomalyChange, type AnomalyLifecycle } from './anomaly-lifecycle.ts';
import type { Anomaly, EvidencePoint } from './anomaly.ts';
import { attribute } from './attribution.ts';
import type { Counters } from './counters.ts';
import type { DetectionContext } from './detection-context.ts';
import type { DetectorConfig } from './detector-config.ts';
import { detectAsnConcentration, usualHostingShares } from './detectors/asn-concentration.detector.ts';
import { detectBillingMismatches } from './detectors/billing-mismatch.detector.ts';
import { detectBudgetBurn } from './detectors/budget-burn.detector.ts';
import { detectConversionDrops } from './detectors/conversion-drop.detector.ts';
import { detectCostSpikes } from './detectors/cost-spike.detector.ts';
import { detectDeliveryFailures } from './detectors/delivery-failure.detector.ts';
import { detectDeliveryLatency, latencyThresholdMs } from './detectors/delivery-latency.detector.ts';
import { detectNewDestinations } from './detectors/new-destination.detector.ts';
import { detectSequentialNumbers } from './detectors/sequential-numbers.detector.ts';
import { detectVerifyBruteforce } from './detectors/verify-bruteforce.detector.ts';
import { detectVolumeSpikes } from './detectors/volume-spike.detector.ts';
import { detectSparseScopes } from './detectors/sparse-scope.detector.ts';
import { detectFarmExits, USUAL_SHARE_MS } from './detectors/farm-exits.detector.ts';
import { detectSeasonalTrends } from './detectors/seasonal-trend.detector.ts';
import {
  countGuessed,
  createCellsByKey,
  guessedBySeries,
  guessedInCell,
  guessedSessions,
  minuteWithoutGuessed,
  withoutGuessed,
  type CellsByKey,
} from './guessed-sessions.ts';
import { createWindowSums, type WindowSums } from './window-sums.ts';
import { createFamiliarNetworks, type FamiliarNetworks } from './familiar-networks.ts';
import { createUnfamiliarTallies, type UnfamiliarTallies } from './unfamiliar-tallies.ts';
import type { Finding } from './finding.ts';
import { compose, createCompositions, type Compositions } from './scope-composition.ts';
import { cellOfScope, LEVEL_DIMENSIONS, SCOPE_LEVELS, type ScopeLevel } from './scope.ts';
import { createLatencyBook, LATENCY_QUANTILE, latencyKey, type LatencyBook } from './latency-book.ts';
import { latencyBaseline, rateBaseline } from './seasonal-baseline.ts';
import { histogramQuantileMs } from './statistics/latency-histogram.ts';
import {
  createTrafficBook,
  hourStart,
  levelKey,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  type MinuteCell,
  type ScopeSeries,
  type TrafficBook,
} from './traffic-book.ts';

/** Minutes stay replaceable this long: late verifies and receipts land in their send's minute. */
export const MUTABLE_MS = 30 * MS_PER_MINUTE;
/** Minutes kept: the longest window (conversion, matured) with room to spare. */
const RECENT_MS = 3 * MS_PER_HOUR;
/**
 * Hosting sessions' addresses are kept per minute as long as the book's minutes. The farm test
 * reads them over its shortest sparse window and over the windows of the open anomalies that stop
 * a destination; with the default configuration none of those reaches back further than 2 h 17 min
 * (a two-hour trend or unfamiliar-network window, ending at most `resolveAfterQuietMs` and the
 * unverified grace before the step). An anomaly whose window reaches further names the addresses
 * of its part within the span, as the network test finds its apps in the book's minutes. Older
 * minutes keep only their verified sessions per address and hour, for the week's share.
 */
export const ADDRESS_MINUTES_MS = RECENT_MS;
/** Hours kept: four weeks of seasonality and the whole current month for budgets. */
export const HISTORY_MS = 35 * MS_PER_DAY;
/** Evidence series reach back this far before the finding's window. */
const EVIDENCE_LEAD_MS = 60 * MS_PER_MINUTE;

export interface StepResult {
  nowMs: number;
  findings: Finding[];
  changes: AnomalyChange[];
}

export interface DetectionEngine {
  readonly book: TrafficBook;
  readonly latency: LatencyBook;
  readonly config: DetectorConfig;
  readonly lifecycle: AnomalyLifecycle;
  /** Hosting sessions by client address: minutes of the recent span, then verified sessions by hour for a week. Read-only. */
  readonly addresses: HostingAddresses;
  /**
   * Replaces what is given of a minute: fine cells, number-block rows, verify-failure rows, latency
   * histograms, hosting sessions' addresses.
   */
  setMinute(
    minuteMs: number,
    data: {
      cells?: readonly MinuteCell[];
      blocks?: readonly NumberBlockMinute[];
      failures?: readonly VerifyFailureMinute[];
      latency?: readonly DeliveryLatencyMinute[];
      addresses?: readonly HostingSessionAddressRow[];
    },
  ): void;
  /** Warm-up: committed hours of one level from the store. */
  setHours(level: ScopeLevel, rows: readonly DetectorTrafficRow[]): void;
  /** Warm-up: verified hosting sessions per address and hour, for the week before the minutes loaded. */
  setAddressHours(rows: readonly HostingAddressVerifiedHour[]): void;
  /** Warm-up: committed hours of delivery latency from the store. */
  setLatencyHours(rows: readonly DeliveryLatencyHour[]): void;
  /** Warm-up: where the stored history starts and what of it is committed. */
  markHistory(startMs: number, committedUntilMs: number): void;
  addAsnProfiles(profiles: readonly AsnProfile[]): void;
  /** Warm-up: committed hours per country and ASN, for the networks each country's people verify from. */
  addNetworkHours(rows: readonly DetectorTrafficRow[]): void;
  /** The planned events the next steps take into account (replaces the previous set). */
  setPlannedEvents(events: readonly PlannedEvent[]): void;
  /** Runs every detector at event time `nowMs` and applies the findings to the anomalies. */
  step(nowMs: number): StepResult;
  /** Per-minute observed and expected values of an anomaly's scope, for charts. */
  evidence(anomaly: Anomaly): EvidencePoint[];
  /**
   * Share of the verified sessions of [fromMs, toMs) that fall in a scope: the legitimate users a
   * breaker on it would stop (the blast-radius guard's measure). NaN when nothing verified.
   */
  legitimateShare(scope: Anomaly['scope'], fromMs: number, toMs: number): number;
}

export function cellOf(row: DetectorTrafficRow): MinuteCell {
  return {
    app: row.app,
    flow: row.flow,
    country: row.country,
    prefix: row.prefix,
    asn: row.asn,
    provider: row.provider,
    counters: countersOf(row),
  };
}

export function countersOf(row: DetectorTrafficRow): Counters {
  return {
    sends: row.sends,
    failedSends: row.failed_sends,
    sessions: row.sessions,
    verifiedSessions: row.verified_sessions,
    verifyAttempts: row.verify_attempts,
    verifyFailures: row.verify_failures,
    costEstUsd: row.cost_est_usd,
    costBilledUsd: row.cost_billed_usd,
    billedMessages: row.billed_messages,
    receiptsDelivered: row.receipts_delivered,
    receiptsFailed: row.receipts_failed,
  };
}

/** The memory an engine keeps between steps. */
interface EngineMemory {
  book: TrafficBook;
  latency: LatencyBook;
  sums: WindowSums;
  blocks: ActivityLog<NumberBlockMinute>;
  verifyFailures: ActivityLog<VerifyFailureMinute>;
  /** Hosting sessions per client address: a named farm's servers, and (for a week, by hour) where VPN users verify from. */
  addresses: HostingAddresses;
  asns: Map<number, AsnProfile>;
  networks: FamiliarNetworks;
  unfamiliar: UnfamiliarTallies;
  compositions: Compositions;
  lifecycle: AnomalyLifecycle;
  planned: readonly PlannedEvent[];
  prunedHour: number;
  cellsByKey: CellsByKey;
  /** The usual hosting shares move with committed hours only: computed once an hour. */
  usualHosting: { hourMs: number; sends: number; verifiedSessions: number };
}

/** Commits what became immutable at `nowMs` and, once an hour, drops what is too old to matter. */
function advance(memory: EngineMemory, nowMs: number): void {
  // Networks are noted from the minute that just completed, and again from the minutes committed
  // since the last step (a verify that landed late counts then; after a warm-up, these are all the
  // minutes it loaded).
  const noteFrom = Math.max(memory.book.committedUntilMs, hourStart(nowMs - RECENT_MS));
  memory.book.commitUntil(nowMs - MUTABLE_MS);
  for (let m = noteFrom; m < memory.book.committedUntilMs; m += MS_PER_MINUTE) memory.networks.record(m, memory.book.cellsOf(m));
  memory.networks.record(nowMs - MS_PER_MINUTE, memory.book.cellsOf(nowMs - MS_PER_MINUTE));
  memory.latency.commitUntil(nowMs - MUTABLE_MS);
  memory.addresses.rollUntil(nowMs - ADDRESS_MINUTES_MS);
  if (hourStart(nowMs) === memory.prunedHour) return;
  memory.prunedHour = hourStart(nowMs);
  memory.book.prune(nowMs);
  memory.latency.prune(nowMs);
  memory.blocks.prune(nowMs - RECENT_MS);
  memory.verifyFailures.prune(nowMs - RECENT_MS);
  memory.addresses.prune(nowMs - USUAL_SHARE_MS);
}

/** What the detectors read at `nowMs`: window sums and minutes without the sessions of a verify brute force. */
function contextAt(memory: EngineMemory, config: DetectorConfig, nowMs: number): DetectionContext {
  const { book, sums } = memory;
  const guessed = guessedSessions(memory.verifyFailures.rowsIn(nowMs - RECENT_MS, nowMs), config.verifyFailuresPerSession);
  const guessedCounters = guessedBySeries(book, guessed, memory.cellsByKey);
  // By start, then end: a key string built at each of a step's thousands of asks was much of their cost.
  const windows = new Map<number, Map<number, ReadonlyMap<ScopeSeries, Counters>>>();
  return {
    nowMs,
    book,
    latency: memory.latency,
    config,
    asns: memory.asns,
    unfamiliar: () => memory.unfamiliar.at(nowMs),
    compose: (scope, fromMs, toMs) => memory.compositions.at(nowMs, scope, fromMs, toMs),
    blocks: memory.blocks,
    verifyFailures: memory.verifyFailures,
    addresses: memory.addresses,
    planned: memory.planned,
    window(fromMs, toMs) {
      let byEnd = windows.get(fromMs);
      if (!byEnd) windows.set(fromMs, (byEnd = new Map()));
      let window = byEnd.get(toMs);
      if (!window) byEnd.set(toMs, (window = withoutGuessed(sums.at(nowMs, fromMs, toMs), guessedCounters, fromMs, toMs)));
      return window;
    },
    // Most steps have no brute force to take out: then a minute is the book's own.
    minute:
      guessedCounters.size === 0
        ? (series, minuteMs) => series.minutes.get(minuteMs)
        : (series, minuteMs) => minuteWithoutGuessed(series, minuteMs, guessedCounters),
    minutesVersion: guessedCounters.size === 0 ? book.version : undefined,
    guessedSessions: (fromMs, toMs) => countGuessed(guessed, fromMs, toMs),
    guessedInCell: (minuteMs, cell) => guessedInCell(guessed, minuteMs, cell),
  };
}

/** Every detector's raw findings at one step, before attribution. */
function detectAll(memory: EngineMemory, ctx: DetectionContext): Finding[] {
  const { nowMs } = ctx;
  if (memory.usualHosting.hourMs !== hourStart(nowMs)) memory.usualHosting = { hourMs: hourStart(nowMs), ...usualHostingShares(ctx) };
  const overall = memory.book.levels.get('all')?.values().next().value;
  return [
    ...detectVolumeSpikes(ctx),
    ...detectSparseScopes(ctx, memory.usualHosting.verifiedSessions),
    ...detectFarmExits(ctx, memory.lifecycle.open()),
    ...detectSeasonalTrends(ctx),
    ...detectConversionDrops(ctx),
    ...detectNewDestinations(ctx, overall),
    ...detectSequentialNumbers(ctx),
    ...detectAsnConcentration(ctx, memory.usualHosting.sends),
    ...detectVerifyBruteforce(ctx),
    ...detectDeliveryFailures(ctx),
    ...detectDeliveryLatency(ctx),
    ...detectCostSpikes(ctx),
    ...detectBillingMismatches(ctx),
    ...detectBudgetBurn(ctx),
  ];
}

/** Per-minute sends of an anomaly's scope against its seasonal band, for charts. */
function volumeEvidence(memory: EngineMemory, config: DetectorConfig, anomaly: Anomaly, fromMs: number, toMs: number): EvidencePoint[] {
  const { book, asns } = memory;
  const level = SCOPE_LEVELS.find((l) => sameDimensions(l, anomaly.scope));
  const series = level ? book.levels.get(level)?.get(levelKey(level, cellOfScope(anomaly.scope))) : undefined;
  const points: EvidencePoint[] = [];
  for (let m = fromMs - (fromMs % MS_PER_MINUTE); m < toMs; m += MS_PER_MINUTE) {
    const observed = compose(book, asns, anomaly.scope, m, m + MS_PER_MINUTE).total;
    const point: EvidencePoint = { ts: m, observed: observed.sends };
    const baseline = series ? rateBaseline(book, series, m) : undefined;
    if (baseline) {
      const margin = config.spikeZ * Math.sqrt(Math.max(1, baseline.sendsPerMinute + baseline.sendsSigmaPerMinute ** 2));
      point.expected = baseline.sendsPerMinute;
      point.low = Math.max(0, baseline.sendsPerMinute - margin);
      point.high = baseline.sendsPerMinute + margin;
    }
    points.push(point);
  }
  return points;
}

/** Creates an engine with empty memory; see live-detector.ts and backtest.ts for the two feeders. */
export function createDetectionEngine(config: DetectorConfig): DetectionEngine {
  const book = createTrafficBook({ recentMs: RECENT_MS, historyMs: HISTORY_MS });
  const networks = createFamiliarNetworks();
  const asnProfiles = new Map<number, AsnProfile>();
  const { unfamiliarWindowsMs: windowsMs, unverifiedGraceMs: graceMs } = config;
  const memory: EngineMemory = {
    book,
    latency: createLatencyBook({ recentMs: RECENT_MS, historyMs: HISTORY_MS }),
    sums: createWindowSums(book),
    blocks: createActivityLog(),
    verifyFailures: createActivityLog(),
    addresses: createHostingAddresses(),
    asns: asnProfiles,
    networks,
    unfamiliar: createUnfamiliarTallies({ book, networks, asns: asnProfiles, windowsMs, graceMs }),
    compositions: createCompositions(book, asnProfiles),
    lifecycle: createAnomalyLifecycle({ resolveAfterQuietMs: config.resolveAfterQuietMs }),
    planned: [],
    prunedHour: Number.NaN,
    cellsByKey: createCellsByKey(),
    usualHosting: { hourMs: Number.NaN, sends: 0, verifiedSessions: 0 },
  };
  const { latency, blocks, verifyFailures, asns, lifecycle } = memory;

  return {
    book,
    latency,
    config,
    lifecycle,
    addresses: memory.addresses,
    setMinute(minuteMs, data) {
      if (data.cells) book.setMinute(minuteMs, data.cells);
      if (data.latency) latency.setMinute(minuteMs, data.latency);
      if (data.blocks) blocks.setMinute(minuteMs, data.blocks);
      if (data.failures) verifyFailures.setMinute(minuteMs, data.failures);
      if (data.addresses) memory.addresses.setMinute(minuteMs, data.addresses);
    },
    setHours(level, rows) {
      book.setHours(
        level,
        rows.map((row) => ({ hourMs: row.ts, cell: row, counters: countersOf(row) })),
      );
    },
    setAddressHours(rows) {
      memory.addresses.addVerifiedHours(rows);
    },
    setLatencyHours(rows) {
      latency.setHours(rows);
    },
    markHistory(startMs, committedUntilMs) {
      for (const part of [book, latency]) {
        part.markHistoryStart(startMs);
        part.commitUntil(committedUntilMs);
      }
    },
    addAsnProfiles(profiles) {
      for (const profile of profiles) asns.set(profile.asn, profile);
    },
    addNetworkHours(rows) {
      for (const row of rows) memory.networks.recordHour(row.ts, row.country, row.asn, row.verified_sessions);
    },
    setPlannedEvents(events) {
      memory.planned = events;
    },
    step(nowMs) {
      advance(memory, nowMs);
      const ctx = contextAt(memory, config, nowMs);
      const findings = attribute(ctx, detectAll(memory, ctx), lifecycle.open());
      const changes = lifecycle.apply(nowMs, findings);
      return { nowMs, findings, changes };
    },
    legitimateShare(scope, fromMs, toMs) {
      const all = compose(book, asns, {}, fromMs, toMs).total.verifiedSessions;
      return all > 0 ? compose(book, asns, scope, fromMs, toMs).total.verifiedSessions / all : Number.NaN;
    },
    evidence(anomaly) {
      const fromMs = Math.max(anomaly.windowStartMs - EVIDENCE_LEAD_MS, anomaly.updatedAt - RECENT_MS);
      const toMs = anomaly.updatedAt;
      if (anomaly.kind === 'delivery_latency') return latencyEvidence(latency, config, anomaly, fromMs, toMs);
      return volumeEvidence(memory, config, anomaly, fromMs, toMs);
    },
  };
}

/** Per-minute P90 of a latency anomaly's scope (minutes without a delivered message are left out) against its usual P90. */
function latencyEvidence(latency: LatencyBook, config: DetectorConfig, anomaly: Anomaly, fromMs: number, toMs: number): EvidencePoint[] {
  const series = latency.series.get(latencyKey(anomaly.scope.provider ?? '', anomaly.scope.country ?? ''));
  if (!series) return [];
  const points: EvidencePoint[] = [];
  for (let m = fromMs - (fromMs % MS_PER_MINUTE); m < toMs; m += MS_PER_MINUTE) {
    const p90Ms = histogramQuantileMs(latency.window(series, m, m + MS_PER_MINUTE).total, LATENCY_QUANTILE);
    if (Number.isNaN(p90Ms)) continue;
    const point: EvidencePoint = { ts: m, observed: Math.round(p90Ms) };
    const baseline = latencyBaseline(latency, series, m, config.minLatencyHourDelivered);
    if (baseline) {
      point.expected = Math.round(baseline.p90Ms);
      point.low = 0;
      point.high = Math.round(latencyThresholdMs(baseline, config));
    }
    points.push(point);
  }
  return points;
}

function sameDimensions(level: ScopeLevel, scope: Anomaly['scope']): boolean {
  const dims = LEVEL_DIMENSIONS[level];
  const present = (['app', 'flow', 'country', 'prefix', 'asn', 'provider'] as const).filter((k) => scope[k] !== undefined);
  return present.length === dims.length && present.every((k) => dims.includes(k));
}
