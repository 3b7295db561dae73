/**
 * Delivery latency: a provider delivering codes to a country much slower than it usually does at
 * this hour of the week (the P90 delivery time the messaging-vendor owner monitors). Users wait, ask again and
 * give up, so it is the messaging-vendor owner's to take to the provider: an alert, never a stop.
 * The slowest carriers are named (where receipts carry the network code), since a route through one
 * network is the usual cause.
 */
import { describeScope } from '@tollgate/vocabulary';
import type { DetectionContext } from '../detection-context.ts';
import type { DetectorConfig } from '../detector-config.ts';
import type { Contributor, Finding } from '../finding.ts';
import { LATENCY_QUANTILE } from '../latency-book.ts';
import { latencyBaseline, type LatencyBaseline } from '../seasonal-baseline.ts';
import { countSlowerThan, histogramQuantileMs } from '../statistics/latency-histogram.ts';
import { wilsonInterval } from '../statistics/wilson-interval.ts';

/** Bounds at 99 %, as for delivery failures. */
const Z = 2.58;
/** The threshold also sits this many hourly standard deviations above the usual P90. */
const SIGMA_MARGIN = 4;
/** The resend cooldown grows to 60 s: a code slower than that is asked for again. */
const USERS_RESEND_MS = 60_000;
const MAX_CONTRIBUTORS = 3;
/**
 * Judged every five minutes of event time, not every minute: latency moves over minutes and is the
 * vendor team's alert (it never pages or stops anything), and this is a fifth of the work. Never
 * less often than `resolveAfterQuietMs`, so an open anomaly is seen again before it would resolve.
 */
const JUDGE_EVERY_MS = 5 * 60_000;

/** The latency a P90 must exceed to be news, for a baseline. */
export function latencyThresholdMs(baseline: LatencyBaseline, config: DetectorConfig): number {
  return Math.max(
    baseline.p90Ms * config.latencyRatio,
    baseline.p90Ms + config.minLatencyRiseMs,
    baseline.p90Ms + SIGMA_MARGIN * baseline.sigmaMs,
  );
}

export function detectDeliveryLatency(ctx: DetectionContext): Finding[] {
  const { latency, config, nowMs } = ctx;
  if (nowMs % Math.min(JUDGE_EVERY_MS, config.resolveAfterQuietMs) !== 0) return [];
  const toMs = nowMs - config.latencyMaturityMs;
  const fromMs = toMs - config.latencyWindowMs;
  const findings: Finding[] = [];
  for (const series of latency.series.values()) {
    if (latency.delivered(series, fromMs, toMs) < config.minLatencyDelivered) continue;
    const window = latency.window(series, fromMs, toMs);
    const { delivered } = window;
    const baseline = latencyBaseline(latency, series, fromMs, config.minLatencyHourDelivered);
    if (!baseline) continue;
    const thresholdMs = latencyThresholdMs(baseline, config);
    const slow = countSlowerThan(window.total, thresholdMs);
    // More than a tenth slower than the threshold, beyond doubt, is a P90 above it.
    if (wilsonInterval(slow, delivered, Z).low <= 1 - LATENCY_QUANTILE) continue;
    const p90Ms = histogramQuantileMs(window.total, LATENCY_QUANTILE);
    const contributors: Contributor[] = [...latency.window(series, fromMs, toMs, true).byCarrier]
      .map(([carrier, histogram]) => ({
        dimension: 'carrier' as const,
        value: carrier,
        count: countSlowerThan(histogram, thresholdMs),
        share: 0,
      }))
      .filter((c) => c.count > 0 && c.value !== '')
      .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))
      .slice(0, MAX_CONTRIBUTORS)
      .map((c) => ({ ...c, share: c.count / slow }));
    findings.push({
      kind: 'delivery_latency',
      scope: series.scope,
      severity: p90Ms >= USERS_RESEND_MS ? 'high' : 'medium',
      action: 'alert',
      score: (p90Ms - baseline.p90Ms) / Math.max(1, baseline.sigmaMs, baseline.p90Ms * 0.1),
      observed: Math.round(p90Ms),
      expected: Math.round(baseline.p90Ms),
      band: { low: 0, high: Math.round(thresholdMs) },
      unit: 'ms P90 send to delivered',
      // Slowness costs users, not money: a resend it causes is priced by the traffic kinds.
      costPerHourUsd: 0,
      windowStartMs: fromMs,
      windowEndMs: toMs,
      summary: `${describeScope(series.scope)}: P90 delivery ${(p90Ms / 1000).toFixed(1)} s over ${delivered} messages (usually ${(baseline.p90Ms / 1000).toFixed(1)} s); ${slow} took over ${(thresholdMs / 1000).toFixed(1)} s`,
      contributors,
      facts: {
        method: baseline.method,
        samples: baseline.samples,
        delivered,
        slowerThanThreshold: slow,
        thresholdMs: Math.round(thresholdMs),
      },
    });
  }
  return findings;
}
