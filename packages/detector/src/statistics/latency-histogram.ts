/**
 * Latency histograms in the store's log-spaced buckets (bucket -> messages). Adding two histograms
 * is exact, so minutes fold into hours and windows without the error of averaging percentiles.
 */
import { latencyBucketFloorMs, latencyOfBucketMs } from '@tollgate/store';

export type LatencyHistogram = Map<number, number>;

export function addHistogram(target: LatencyHistogram, source: ReadonlyMap<number, number>): LatencyHistogram {
  for (const [bucket, count] of source) target.set(bucket, (target.get(bucket) ?? 0) + count);
  return target;
}

function histogramCount(histogram: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const count of histogram.values()) total += count;
  return total;
}

/** The latency under which a share `q` of the messages were delivered; NaN for an empty histogram. */
export function histogramQuantileMs(histogram: ReadonlyMap<number, number>, q: number): number {
  const total = histogramCount(histogram);
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket) ?? 0;
    if (seen >= rank) return latencyOfBucketMs(bucket);
  }
  return Number.NaN;
}

/** Messages in buckets that lie wholly above `thresholdMs`: certainly slower than it. */
export function countSlowerThan(histogram: ReadonlyMap<number, number>, thresholdMs: number): number {
  let slow = 0;
  for (const [bucket, count] of histogram) if (latencyBucketFloorMs(bucket) >= thresholdMs) slow += count;
  return slow;
}
