import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IngestMetrics } from '@tollgate/ingest';

/**
 * How often the event loop's delay is sampled for /metrics (`tollgate_nodejs_eventloop_lag_*`),
 * TOLLGATE_LOOP_DELAY_SAMPLE_MS. Each sample wakes the loop: at prom-client's 10 ms that was 95 of
 * the ~100 wake-ups a second of an idle decide node and about 5 ms of its CPU a second
 * (bench/RESULTS.md, "decide: what an idle server spends (by hand)"). A stall as long as the
 * period or longer still shows in the histogram's max whatever the period (the sample due during
 * it fires late by nearly all of it); shorter ones are caught in proportion to their length, so
 * the percentiles still describe what a request arriving at any moment waits. Every value read
 * is the period plus the delay: at 20 ms an idle loop reads about 20 ms, where it read 10.
 */
export const DEFAULT_LOOP_DELAY_SAMPLE_MS = 20;

/** The Prometheus registry of one server and the ingest metrics bound to it. */
export interface ServerMetrics {
  registry: Registry;
  ingest: IngestMetrics;
}

/** What the server's gauges read, and how its event loop is watched. */
export interface ServerMetricsDeps {
  pendingEvents: () => number;
  /** Velocity sharing through Redis, when REDIS_URL is set. */
  velocitySharing?: () => { ok: boolean; pending: number } | undefined;
  /** Verify ladders shared through Redis, when REDIS_URL is set on a node that decides or ingests. */
  verifySharing?: () => { ok: boolean; pending: number; received: number } | undefined;
  /** Whether event ids are deduplicated across ingest nodes now; undefined on a node that does not ingest. */
  eventDedupShared?: () => boolean | undefined;
  /** The event loop's delay sampling period (TOLLGATE_LOOP_DELAY_SAMPLE_MS); DEFAULT_LOOP_DELAY_SAMPLE_MS without. */
  loopDelaySampleMs?: number;
}

export function createServerMetrics(deps: ServerMetricsDeps): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({
    register: registry,
    prefix: 'tollgate_',
    eventLoopMonitoringPrecision: deps.loopDelaySampleMs ?? DEFAULT_LOOP_DELAY_SAMPLE_MS,
  });
  const accepted = new Counter({
    name: 'tollgate_events_accepted_total',
    help: 'Events stored, by kind.',
    labelNames: ['kind'],
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'tollgate_events_duplicate_total',
    help: 'Events dropped because their event_id was already stored, by kind.',
    labelNames: ['kind'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'tollgate_events_rejected_total',
    help: 'Events rejected by validation, by kind and the field at fault.',
    labelNames: ['kind', 'field'],
    registers: [registry],
  });
  const insertSeconds = new Histogram({
    name: 'tollgate_store_insert_seconds',
    help: 'Time to write one flush of events of a kind to the store.',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const insertRows = new Histogram({
    name: 'tollgate_store_insert_rows',
    help: 'Rows in one flush of events of a kind: requests combined by the group commit make larger, cheaper inserts.',
    labelNames: ['kind'],
    // Collectors send batches of up to 10,000: the multiples of 5,000 show how many a flush combined.
    buckets: [10, 100, 1_000, 2_500, 5_000, 10_000, 15_000, 20_000, 30_000, 40_000, 60_000, 100_000],
    registers: [registry],
  });
  new Gauge({
    name: 'tollgate_ingest_buffer_events',
    help: 'Events accepted by the collectors and not yet written to the store.',
    registers: [registry],
    collect() {
      this.set(deps.pendingEvents());
    },
  });
  new Gauge({
    name: 'tollgate_velocity_sharing_up',
    help: 'Whether velocity counters are shared through Redis (1) or this node decides on its own counters (0); absent without REDIS_URL.',
    registers: [registry],
    collect() {
      const status = deps.velocitySharing?.();
      if (status !== undefined) this.set(status.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tollgate_velocity_sharing_pending_sends',
    help: 'Sends counted here and not yet in Redis.',
    registers: [registry],
    collect() {
      const status = deps.velocitySharing?.();
      if (status !== undefined) this.set(status.pending);
    },
  });
  new Gauge({
    name: 'tollgate_verify_sharing_up',
    help: 'Whether verify ladders are shared through Redis (1) or this node decides on its own ladders (0); absent without REDIS_URL.',
    registers: [registry],
    collect() {
      const status = deps.verifySharing?.();
      if (status !== undefined) this.set(status.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tollgate_verify_sharing_pending_changes',
    help: 'Verify ladder changes made here and not yet applied in Redis.',
    registers: [registry],
    collect() {
      const status = deps.verifySharing?.();
      if (status !== undefined) this.set(status.pending);
    },
  });
  let receivedSeen = 0;
  new Counter({
    name: 'tollgate_verify_sharing_received_total',
    help: 'Verify ladder states changed by other nodes and taken in by this one.',
    registers: [registry],
    collect() {
      const status = deps.verifySharing?.();
      if (status === undefined) return;
      this.inc(status.received - receivedSeen);
      receivedSeen = status.received;
    },
  });
  new Gauge({
    name: 'tollgate_event_dedup_shared',
    help: 'Whether event ids are deduplicated across ingest nodes through Redis (1) or within this node only (0: no REDIS_URL, or Redis unreachable).',
    registers: [registry],
    collect() {
      const shared = deps.eventDedupShared?.();
      if (shared !== undefined) this.set(shared ? 1 : 0);
    },
  });
  return {
    registry,
    ingest: {
      accepted: (kind, n) => accepted.inc({ kind }, n),
      duplicates: (kind, n) => duplicates.inc({ kind }, n),
      // The field is the label; unknown fields would make the label set unbounded, so cap its length.
      rejected: (kind, field, n) => rejected.inc({ kind, field: field.slice(0, 40) }, n),
      insertSeconds: (kind, s) => insertSeconds.observe({ kind }, s),
      insertRows: (kind, rows) => insertRows.observe({ kind }, rows),
    },
  };
}
