/**
 * Backtest: replays detection over stored history minute by minute on event time, with the same
 * engine the live detector runs, and reports what it would have raised and when.
 *
 * Look-ahead, precisely: the rollup counts verifies, receipts and bills in the minute of their send
 * and the replay reads history as it is stored now, so at step `now` a minute also holds what
 * arrived after `now`. The live detector sees a minute as it stood at each cycle until it is
 * committed (MUTABLE_MS after it), and never again after that.
 * - Kinds judged on sends (volume, cost, budget burn, sequential numbers, ASN concentration, a new
 *   destination judged by its hosting share) and verify brute force (read by verify time): none.
 * - Sparse scopes: each window's count leaves out young sessions whose code was typed. Live
 *   leaves out those verified by the cycle, the replay those verified at all, so a live cycle
 *   counts a quiet prefix's people for the seconds until they type their codes (a pumped number
 *   never verifies: its count is the same in both).
 * - Conversion (conversion drop, new destination judged by conversion): judged only on sessions at
 *   least verifyMaturityMs old; live has every verify that arrived within MUTABLE_MS of its send,
 *   the replay every verify, so the two differ only by codes typed more than MUTABLE_MS after it.
 * - Delivery failure: receipts land within a minute of the send, so a replay may raise it up to a
 *   minute (one step) early.
 * - Delivery latency: judged on messages at least latencyMaturityMs old. Live counts the receipts
 *   that had arrived by each cycle (a message slower than that is not in the window yet), the
 *   replay every receipt, so a replay may raise a slowdown a few minutes before live would.
 * - Billing mismatch: bills land 5 minutes to 6 hours after the send. The replay counts every bill
 *   of its 24-hour window; live counts those that arrived while their minute was mutable (and all
 *   of them after a restart's warm-up). A replay can raise a mismatch hours before live would.
 */
import { plannedEventsBetween, type Store } from '@tollgate/store';
import { fromPlannedEventRecord } from './planned-event.ts';
import type { Scope } from './scope.ts';
import type { Contributor, Finding, SuggestedAction } from './finding.ts';
import type { AnomalyKind, Severity } from '@tollgate/vocabulary';
import { createDetectionEngine, HISTORY_MS } from './detection-engine.ts';
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from './detector-config.ts';
import { applyMinutes, fetchMinutes, ipContributors, loadHours, loadMinutes, newAddresses, type FetchedMinutes } from './engine-feed.ts';
import { hourStart, MS_PER_HOUR, MS_PER_MINUTE } from './traffic-book.ts';
import type { Anomaly } from './anomaly.ts';

/**
 * One line of the backtest's output: `ts` is the event time at which the detector raised or
 * escalated it. `scope` is the narrowest scope that explains it, `narrowest` says why (and for a
 * country, which of its prefixes carry the excess), `contributors` the prefixes, countries, ASNs,
 * number blocks or subjects that carry it.
 */
export interface BacktestFinding {
  ts: number;
  kind: AnomalyKind;
  scope: Scope;
  /** The scope level the finding was raised at (prefix, country, app_flow...), when the kind has one. */
  level?: string;
  severity: Severity;
  action: SuggestedAction;
  observed: number;
  expected: number;
  unit: string;
  summary: string;
  narrowest?: string;
  contributors: Contributor[];
  /** The test's own figures (its baseline's method, tail probability, windows...), as the incident page shows them. */
  facts: Finding['facts'];
}

export interface BacktestOptions {
  store: Store;
  fromMs: number;
  toMs: number;
  config?: DetectorConfig;
  /** Called after each chunk with the minutes done and the total. */
  onProgress?: (doneMinutes: number, totalMinutes: number) => void;
}

export interface BacktestResult {
  findings: BacktestFinding[];
  /** Every anomaly the replay opened, in its final state. */
  anomalies: Anomaly[];
  steps: number;
}

/**
 * Adds the IP contributors of an anomaly that opened or escalated, read from the raw sends while
 * the replay steps on (awaited once per chunk: a read per finding inside the step loop left the
 * engine waiting on the store). The anomaly gets a list of its own that the read appends to, which
 * its finding and the anomaly's later copies share: a copy made before the read lands (one that
 * resolves it) still names the addresses, as it would had the step waited. Addresses the engine
 * named itself (a farm's, by the farm test) are not listed twice. Later steps read only
 * an open anomaly's kind and scope, so none sees the list before it is whole.
 */
function withIpContributors(store: Store, anomaly: Anomaly): Promise<void> {
  const contributors = [...anomaly.contributors];
  anomaly.contributors = contributors;
  const reading = ipContributors(store, anomaly).then((ips) => {
    contributors.push(...newAddresses(contributors, ips));
  });
  // Awaited at the chunk's end; a replay stopped by an error before then leaves no rejection unheard.
  reading.catch(() => undefined);
  return reading;
}

/** Minutes read from the store at once: bounded memory for long ranges. */
const CHUNK_MS = 6 * MS_PER_HOUR;

export async function runBacktest(options: BacktestOptions): Promise<BacktestResult> {
  const config = options.config ?? DEFAULT_DETECTOR_CONFIG;
  const engine = createDetectionEngine(config);
  const fromMs = Math.floor(options.fromMs / MS_PER_MINUTE) * MS_PER_MINUTE;
  const toMs = Math.floor(options.toMs / MS_PER_MINUTE) * MS_PER_MINUTE;
  const warmUntil = hourStart(fromMs);
  await loadHours(options.store, engine, warmUntil - HISTORY_MS, warmUntil);
  const lookbackMs = Math.max(config.blockWindowMs, config.verifyWindowMs);
  await loadMinutes(options.store, engine, warmUntil, fromMs, lookbackMs);
  // Planned events are replayed as they stand now: one declared after the fact counts too.
  engine.setPlannedEvents((await plannedEventsBetween(options.store, fromMs, toMs)).map(fromPlannedEventRecord));

  const findings: BacktestFinding[] = [];
  const anomalies = new Map<string, Anomaly>();
  const totalMinutes = (toMs - fromMs) / MS_PER_MINUTE;
  let steps = 0;
  const fetchChunk = (chunkStart: number) => {
    const fetching = fetchMinutes(options.store, config, chunkStart, Math.min(toMs, chunkStart + CHUNK_MS), lookbackMs);
    // Awaited at its chunk; a replay stopped by an error before then leaves no rejection unheard.
    fetching.catch(() => undefined);
    return fetching;
  };
  let next = fromMs < toMs ? fetchChunk(fromMs) : undefined;
  // The IP contributors of the findings still being read from the raw sends (see `withIpContributors`).
  let naming: Promise<void>[] = [];
  for (let chunkStart = fromMs; chunkStart < toMs; chunkStart += CHUNK_MS) {
    const chunkEnd = Math.min(toMs, chunkStart + CHUNK_MS);
    const fetched = await (next as Promise<FetchedMinutes>);
    // The store reads the next chunk while the engine steps through this one (its minutes go in
    // only after: a step must not see minutes after it).
    next = chunkEnd < toMs ? fetchChunk(chunkEnd) : undefined;
    applyMinutes(engine, fetched);
    for (let now = chunkStart + MS_PER_MINUTE; now <= chunkEnd; now += MS_PER_MINUTE) {
      const { changes } = engine.step(now);
      steps += 1;
      for (const change of changes) {
        anomalies.set(change.anomaly.id, change.anomaly);
        if (change.change !== 'opened' && change.change !== 'escalated') continue;
        const a = change.anomaly;
        naming.push(withIpContributors(options.store, a));
        findings.push({
          ts: now,
          kind: a.kind,
          scope: a.scope,
          ...(typeof a.facts.level === 'string' ? { level: a.facts.level } : {}),
          severity: a.severity,
          action: a.action,
          observed: a.observed,
          expected: a.expected,
          unit: a.unit,
          summary: a.summary,
          ...(typeof a.facts.narrowest === 'string' ? { narrowest: a.facts.narrowest } : {}),
          contributors: a.contributors,
          facts: a.facts,
        });
      }
    }
    await Promise.all(naming);
    naming = [];
    options.onProgress?.((chunkEnd - fromMs) / MS_PER_MINUTE, totalMinutes);
  }
  return { findings, anomalies: [...anomalies.values()], steps };
}
