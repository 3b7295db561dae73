/**
 * Reads from the store what the engine needs, for the live detector and the backtest alike:
 * committed hours per scope level, fine minutes, number-block and verify-failure minutes, and
 * delivery latency (hours from the rollup's t-digests, minutes as histograms from the receipts).
 */
import {
  asnProfiles,
  deliveryLatencyHours,
  deliveryLatencyMinutes,
  detectorTraffic,
  hostingAddressVerifiedHours,
  hostingSessionAddresses,
  numberBlockActivity,
  scopeIps,
  verifyFailureActivity,
  type AsnProfile,
  type DeliveryLatencyMinute,
  type DetectorGrouping,
  type DetectorTrafficRow,
  type HostingSessionAddressRow,
  type NumberBlockMinute,
  type Store,
  type VerifyFailureMinute,
} from '@tollgate/store';
import type { DetectorConfig } from './detector-config.ts';
import { byMinute } from './activity-log.ts';
import { FAMILIAR_MS } from './familiar-networks.ts';
import type { Contributor, Finding } from './finding.ts';
import type { DetectionEngine } from './detection-engine.ts';
import { ADDRESS_MINUTES_MS, cellOf, MUTABLE_MS } from './detection-engine.ts';
import { USUAL_SHARE_MS } from './detectors/farm-exits.detector.ts';
import { LEVEL_DIMENSIONS, SCOPE_LEVELS, type ScopeLevel } from './scope.ts';
import { MS_PER_HOUR, MS_PER_MINUTE } from './traffic-book.ts';

const FINE: DetectorGrouping = { app: true, flow: true, country: true, prefix: true, asn: true, provider: true };
/** Per destination country and client network: which networks each country's people verify from. */
const NETWORKS: DetectorGrouping = { app: false, flow: false, country: true, prefix: false, asn: true, provider: false };

function groupingOf(level: ScopeLevel): DetectorGrouping {
  const dims = LEVEL_DIMENSIONS[level];
  return {
    app: dims.includes('app'),
    flow: dims.includes('flow'),
    country: dims.includes('country'),
    prefix: dims.includes('prefix'),
    asn: dims.includes('asn'),
    provider: dims.includes('provider'),
  };
}

/** Loads committed hours in [fromMs, untilMs) (untilMs on an hour) and marks where history starts. */
export async function loadHours(store: Store, engine: DetectionEngine, fromMs: number, untilMs: number): Promise<void> {
  let earliest = untilMs;
  for (const level of SCOPE_LEVELS) {
    const rows = await detectorTraffic(store, { fromMs, toMs: untilMs, stepMinutes: 60, grouping: groupingOf(level) });
    engine.setHours(level, rows);
    for (const row of rows) if (row.ts < earliest) earliest = row.ts;
  }
  engine.setLatencyHours(await deliveryLatencyHours(store, { fromMs, toMs: untilMs }));
  engine.markHistory(earliest, untilMs);
  engine.addAsnProfiles(await asnProfiles(store, { fromMs: untilMs - 7 * 24 * MS_PER_HOUR, toMs: untilMs }));
  const networkFrom = Math.max(fromMs, untilMs - FAMILIAR_MS);
  engine.addNetworkHours(await detectorTraffic(store, { fromMs: networkFrom, toMs: untilMs, stepMinutes: 60, grouping: NETWORKS }));
  // The week of hosting addresses: its hours summed in the store, the recent span as minute rows.
  // Both count verifies up to the same point, as one read of the whole week did.
  const addressFrom = Math.max(fromMs, untilMs - USUAL_SHARE_MS);
  const minutesFrom = Math.max(addressFrom, untilMs - ADDRESS_MINUTES_MS);
  const verifiesToMs = verifiesUntil(untilMs);
  engine.setAddressHours(await hostingAddressVerifiedHours(store, { fromMs: addressFrom, toMs: minutesFrom, verifiesToMs }));
  const addresses = byMinute(await hostingSessionAddresses(store, { fromMs: minutesFrom, toMs: untilMs, verifiesToMs }));
  for (const [minuteMs, rows] of addresses) engine.setMinute(minuteMs, { addresses: rows });
}

/**
 * Where a read of hosting sessions' addresses up to `toMs` stops counting verifies: when the live
 * detector stops re-reading the last minute, so a replay's chunk knows what a live cycle would.
 */
function verifiesUntil(toMs: number): number {
  return toMs + MUTABLE_MS;
}

/** What the store holds of [fromMs, toMs) for the engine, read and not yet put in (see `fetchMinutes`). */
export interface FetchedMinutes {
  fromMs: number;
  toMs: number;
  lookbackMs: number;
  cells: DetectorTrafficRow[];
  latency: DeliveryLatencyMinute[];
  blocks: NumberBlockMinute[];
  failures: VerifyFailureMinute[];
  asns: AsnProfile[];
  addresses: HostingSessionAddressRow[];
}

/**
 * Reads every minute of [fromMs, toMs) for the engine, without touching it: a replay reads its
 * next chunk while the engine steps through this one. Block and failure rows are read from
 * `lookbackMs` earlier so a window straddling `fromMs` keeps its subjects.
 */
export async function fetchMinutes(
  store: Store,
  config: DetectorConfig,
  fromMs: number,
  toMs: number,
  lookbackMs: number,
): Promise<FetchedMinutes> {
  const [cells, latency, blocks, failures, asns, addresses] = await Promise.all([
    detectorTraffic(store, { fromMs, toMs, stepMinutes: 1, grouping: FINE }),
    deliveryLatencyMinutes(store, { fromMs, toMs }),
    numberBlockActivity(store, { fromMs: fromMs - lookbackMs, toMs, minPhones: config.blockDistinctNumbers }),
    verifyFailureActivity(store, {
      fromMs: fromMs - lookbackMs,
      toMs,
      minFailures: Math.min(config.verifyFailuresPerSession, config.verifyFailuresPerIp, config.verifyFailuresPerPhone),
    }),
    asnProfiles(store, { fromMs, toMs }),
    hostingSessionAddresses(store, { fromMs, toMs, verifiesToMs: verifiesUntil(toMs) }),
  ]);
  return { fromMs, toMs, lookbackMs, cells, latency, blocks, failures, asns, addresses };
}

/** Replaces every minute of a fetched range in the engine (an empty minute is data too). */
export function applyMinutes(engine: DetectionEngine, fetched: FetchedMinutes): void {
  const { fromMs, toMs, lookbackMs } = fetched;
  engine.addAsnProfiles(fetched.asns);
  const cellMinutes = byMinute(fetched.cells);
  const latencyMinutes = byMinute(fetched.latency);
  const blockMinutes = byMinute(fetched.blocks);
  const failureMinutes = byMinute(fetched.failures);
  const addressMinutes = byMinute(fetched.addresses);
  for (let m = fromMs - lookbackMs; m < toMs; m += MS_PER_MINUTE) {
    const data = { blocks: blockMinutes.get(m) ?? [], failures: failureMinutes.get(m) ?? [] };
    if (m < fromMs) {
      // Before the range only the subjects' rows are added; the cells there were loaded already.
      if (data.blocks.length > 0 || data.failures.length > 0) engine.setMinute(m, data);
      continue;
    }
    engine.setMinute(m, {
      cells: (cellMinutes.get(m) ?? []).map(cellOf),
      latency: latencyMinutes.get(m) ?? [],
      addresses: addressMinutes.get(m) ?? [],
      ...data,
    });
  }
}

/** Reads and replaces every minute of [fromMs, toMs) in the engine, as `fetchMinutes` and `applyMinutes` do. */
export async function loadMinutes(store: Store, engine: DetectionEngine, fromMs: number, toMs: number, lookbackMs: number): Promise<void> {
  applyMinutes(engine, await fetchMinutes(store, engine.config, fromMs, toMs, lookbackMs));
}

/** Kinds whose scope is a destination a bot farm sends into: their findings name its addresses. */
const IP_EVIDENCE_KINDS: readonly Finding['kind'][] = ['volume_spike', 'conversion_drop', 'new_destination'];
/** Addresses named per finding. */
const TOP_IPS = 3;

/** Whether an anomaly of this kind carries addresses read by `ipContributors` (its engine names none). */
export function readsIpContributors(kind: Finding['kind']): boolean {
  return IP_EVIDENCE_KINDS.includes(kind);
}

/**
 * The IP concentration behind a destination finding, as contributors: the addresses that sent
 * most into its scope over its window, each labelled with how many addresses sent all of it. Ten
 * servers behind a pumped prefix show here; a campaign's thousands of phones do not. Read from the
 * raw sends, so only when an anomaly opens or escalates.
 */
export async function ipContributors(
  store: Store,
  finding: Pick<Finding, 'kind' | 'scope' | 'windowStartMs' | 'windowEndMs'>,
): Promise<Contributor[]> {
  if (!readsIpContributors(finding.kind) || finding.scope.country === undefined) return [];
  const ips = await scopeIps(store, { fromMs: finding.windowStartMs, toMs: finding.windowEndMs, ...finding.scope, limit: TOP_IPS });
  return ips.top.map((top) => ({
    dimension: 'ip',
    value: top.ip,
    count: top.sends,
    share: ips.sends > 0 ? top.sends / ips.sends : 0,
    label: `one of ${ips.ips} addresses behind ${ips.sends} sends`,
  }));
}

/** The addresses read for a finding that its own contributors do not name already. */
export function newAddresses(own: readonly Contributor[], read: readonly Contributor[]): Contributor[] {
  const named = new Set(own.filter((c) => c.dimension === 'ip').map((c) => c.value));
  return read.filter((c) => !named.has(c.value));
}
