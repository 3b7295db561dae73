/**
 * The delivery_latency kind on the pure engine: a week of usual hours, then minutes of receipts
 * drawn from a seeded log-normal (the simulator's receipt delay: median 4 s, sigma 0.7), with and
 * without a provider slowing down in one country.
 */
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS_PER_DOUBLING, type DeliveryLatencyMinute } from '@tollgate/store';
import { createDetectionEngine, DEFAULT_DETECTOR_CONFIG, type Anomaly, type DetectorConfig } from '../src/index.ts';
import { countSlowerThan, histogramQuantileMs } from '../src/statistics/latency-histogram.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A Wednesday noon: the week before holds five weekdays of the same hour. */
const T0 = Date.parse('2026-11-25T12:00:00Z');
const USUAL_MEDIAN_MS = 4_000;
const SIGMA = 0.7;
/** P90 of that log-normal: 4 s * e^(0.7 * 1.2816). */
const USUAL_P90_MS = USUAL_MEDIAN_MS * Math.exp(SIGMA * 1.2816);

/** mulberry32: the same draws on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const bucketOf = (ms: number) => Math.floor(Math.log2(Math.max(ms, 1)) * LATENCY_BUCKETS_PER_DOUBLING);

/** One minute's receipts of a scope and carrier, `count` latencies from the log-normal times `slower`. */
function minuteOf(
  next: () => number,
  ts: number,
  provider: string,
  country: string,
  carrier: string,
  count: number,
  slower = 1,
): DeliveryLatencyMinute {
  const histogram = new Map<number, number>();
  for (let i = 0; i < count; i += 1) {
    const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const bucket = bucketOf(USUAL_MEDIAN_MS * slower * Math.exp(SIGMA * normal));
    histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
  }
  return { ts, provider, country, carrier, buckets: [...histogram.keys()], counts: [...histogram.values()] };
}

interface Run {
  anomalies: Anomaly[];
  evidence: ReturnType<ReturnType<typeof createDetectionEngine>['evidence']>;
}

/**
 * Steps an engine warmed with a week of usual hours through `minutes` minutes from T0, feeding each
 * minute `perMinute` receipts per carrier of twilio in US and vonage in DE; twilio in US is `slower`
 * from `slowFromMinute` on.
 */
function run(options: {
  minutes: number;
  perMinute: number;
  slower?: number;
  slowFromMinute?: number;
  seed: number;
  config?: DetectorConfig;
}): Run {
  const engine = createDetectionEngine(options.config ?? DEFAULT_DETECTOR_CONFIG);
  const hours = [];
  for (let h = T0 - 7 * DAY; h < T0; h += HOUR) {
    hours.push({ ts: h, provider: 'twilio', country: 'US', delivered: 600, p90_ms: USUAL_P90_MS * (0.95 + (0.1 * ((h / HOUR) % 3)) / 2) });
    hours.push({ ts: h, provider: 'vonage', country: 'DE', delivered: 600, p90_ms: USUAL_P90_MS });
  }
  engine.setLatencyHours(hours);
  engine.markHistory(T0 - 7 * DAY, T0);
  const next = random(options.seed);
  const opened = new Map<string, Anomaly>();
  for (let i = 0; i < options.minutes; i += 1) {
    const ts = T0 + i * MINUTE;
    const slower = options.slower !== undefined && i >= (options.slowFromMinute ?? 0) ? options.slower : 1;
    engine.setMinute(ts, {
      latency: [
        minuteOf(next, ts, 'twilio', 'US', '310260', options.perMinute, slower),
        minuteOf(next, ts, 'twilio', 'US', '310410', options.perMinute, 1),
        minuteOf(next, ts, 'vonage', 'DE', '26201', options.perMinute),
      ],
    });
    for (const change of engine.step(ts + MINUTE).changes) opened.set(change.anomaly.id, change.anomaly);
  }
  const anomalies = [...opened.values()].filter((a) => a.kind === 'delivery_latency');
  return { anomalies, evidence: anomalies[0] ? engine.evidence(anomalies[0]) : [] };
}

describe('latency histograms', () => {
  it('read a quantile within half a bucket (about 4.5 %) of the exact one', () => {
    const latencies = Array.from({ length: 1000 }, (_, i) => 1000 + i * 37);
    const histogram = new Map<number, number>();
    for (const ms of latencies) histogram.set(bucketOf(ms), (histogram.get(bucketOf(ms)) ?? 0) + 1);
    // The 900th of 1000 evenly spaced latencies, by hand: 1000 + 899 * 37.
    expect(Math.abs(histogramQuantileMs(histogram, 0.9) / 34_263 - 1)).toBeLessThan(0.045);
    expect(countSlowerThan(histogram, 20_000)).toBeGreaterThan(latencies.filter((ms) => ms >= 20_000 * 1.09).length - 1);
    expect(countSlowerThan(histogram, 20_000)).toBeLessThanOrEqual(latencies.filter((ms) => ms >= 20_000).length);
    expect(histogramQuantileMs(new Map(), 0.9)).toBeNaN();
  });
});

describe('delivery_latency', () => {
  it.each([11, 12, 13])('raises nothing on usual latency noise over six hours (seed %i)', (seed) => {
    expect(run({ minutes: 6 * 60, perMinute: 5, seed }).anomalies).toEqual([]);
  });

  it('alerts on the provider in the country that slowed down, naming the slow carrier, within the window', () => {
    const { anomalies, evidence } = run({ minutes: 90, perMinute: 5, slower: 6, slowFromMinute: 45, seed: 7 });
    expect(anomalies.map((a) => [a.scope, a.action, a.severity])).toEqual([[{ provider: 'twilio', country: 'US' }, 'alert', 'medium']]);
    const [anomaly] = anomalies as [Anomaly];
    // Half of the scope's receipts are six times slower: its P90 is theirs.
    expect(anomaly.observed).toBeGreaterThan(3 * anomaly.expected);
    expect(anomaly.expected).toBeGreaterThan(USUAL_P90_MS * 0.85);
    expect(anomaly.expected).toBeLessThan(USUAL_P90_MS * 1.15);
    expect(anomaly.contributors[0]).toMatchObject({ dimension: 'carrier', value: '310260' });
    expect(anomaly.openedAt - (T0 + 45 * MINUTE)).toBeLessThanOrEqual(DEFAULT_DETECTOR_CONFIG.latencyWindowMs);
    const slowPoints = evidence.filter((p) => p.ts >= T0 + 45 * MINUTE);
    expect(slowPoints.length).toBeGreaterThan(0);
    expect(slowPoints.every((p) => p.expected !== undefined && p.high !== undefined && p.high > p.expected)).toBe(true);
  });

  // One receipt a minute per carrier is 30 in the fifteen-minute window.
  it.each([
    ['says nothing with one delivered message fewer than the minimum, however slow', 31, 0],
    ['alerts at the minimum', 30, 1],
  ])('%s', (_name, minLatencyDelivered, expected) => {
    const config = { ...DEFAULT_DETECTOR_CONFIG, minLatencyDelivered };
    expect(run({ minutes: 60, perMinute: 1, slower: 10, seed: 3, config }).anomalies).toHaveLength(expected);
  });
});
