/**
 * How soon the unverified sessions of a country can name a slow ramp, on the ramp's expected path
 * (no noise: each minute holds exactly its expected count), for every country with real users at
 * several local start hours. Three figures a cell, minutes from the ramp's start:
 *
 * - the trend as configured: the Poisson CUSUM of matured minutes testing a rise to `trendRatio`
 *   times the expectation, at `trendThreshold`, plus the grace its minutes wait out;
 * - the same statistic on every minute at once (no grace);
 * - the most any test of these counts can gather: the log-likelihood ratio of the true ramp (its
 *   onset and slope known) against the expectation, at the same threshold, no grace. A test that
 *   has to find the onset and slope needs more, so this is a floor, not a figure to reach.
 *
 *   node apps/cli/bin/run-ts.js bench/detect-ramp-bound.ts [HOURS...]
 *
 * HOURS are local start hours (default 5 10 14); the ramp is the sweep's: to 8x over 10 hours, at
 * the sweep's 26 sends a minute on a Monday. Prints a Markdown table; writes nothing.
 */
import { DEFAULT_DETECTOR_CONFIG } from '@tollgate/detector';
import { COUNTRIES } from '@tollgate/simulator';
import { createBaselineTraffic } from '../packages/simulator/src/traffic/baseline-traffic.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MONDAY_MS = Date.parse('2026-11-09T00:00:00Z');
const RATE = 26;
const PEAK = 8;
const DURATION_MIN = 600;
const HORIZON_MIN = 240;

const config = DEFAULT_DETECTOR_CONFIG;
const baseline = createBaselineTraffic(RATE);
const hours = process.argv.slice(2).map(Number);
const localHours = hours.length > 0 ? hours : [5, 10, 14];
const graceMin = config.unverifiedGraceMs / MINUTE;

/** The first minute (1-based, from the start) at which a running statistic reaches the threshold. */
function crossing(steps: number[], floorAtZero: boolean): number | undefined {
  let value = 0;
  for (let i = 0; i < steps.length; i += 1) {
    value = floorAtZero ? Math.max(0, value + (steps[i] as number)) : value + (steps[i] as number);
    if (value >= config.trendThreshold) return i + 1;
  }
  return undefined;
}

function cell(iso: string, localHour: number) {
  const country = COUNTRIES.find((c) => c.iso === iso);
  if (!country) throw new RangeError(iso);
  const startMs = MONDAY_MS + (localHour - country.utcOffsetHours) * HOUR;
  const cusum: number[] = [];
  const ideal: number[] = [];
  let rampFirstHour = 0;
  let usualFirstHour = 0;
  for (let t = 0; t < HORIZON_MIN; t += 1) {
    const middle = startMs + t * MINUTE + MINUTE / 2;
    const sessions = baseline.sessionsPerMinute(country, middle);
    const expected = sessions * (1 - country.conversion);
    const ramp = (PEAK - 1) * ((t + 0.5) / DURATION_MIN) * sessions;
    const observed = expected + ramp;
    if (t < 60) {
      rampFirstHour += ramp;
      usualFirstHour += expected;
    }
    // A country's trend, as configured: its own floor.
    const floored = Math.max(expected, config.trendCountryFloorPerMinute);
    const alternative = Math.max(floored * config.trendRatio, floored + config.trendCountryFloorPerMinute);
    cusum.push(observed * Math.log(alternative / floored) - (alternative - floored));
    ideal.push(observed * Math.log(observed / expected) - (observed - expected));
  }
  const trend = crossing(cusum, true);
  const idealAt = crossing(ideal, false);
  const show = (m: number | undefined, extra = 0) => (m === undefined ? `> ${HORIZON_MIN}` : String(m + extra));
  return `| ${iso} | ${country.trafficShare} | ${localHour}:00 | ${usualFirstHour.toFixed(1)} | ${rampFirstHour.toFixed(1)} | ${show(trend, graceMin)} | ${show(trend)} | ${show(idealAt)} |`;
}

const countries = COUNTRIES.filter((c) => c.trafficShare > 0).sort((a, b) => b.trafficShare - a.trafficShare);
console.log(
  [
    `| country | share of traffic (%) | local start | usual unverified sessions, first hour | ramp sessions, first hour | trend as configured (min) | the same without the grace (min) | floor: the true ramp's likelihood ratio (min) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...countries.flatMap((c) => localHours.map((h) => cell(c.iso, h))),
  ].join('\n'),
);
