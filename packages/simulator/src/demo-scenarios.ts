/**
 * The scenario mix `npm start` runs: enough happens in the first hour to see the product work
 * (a pumping burst trips a breaker, a campaign does not), without drowning the healthy traffic.
 */
import { MS_PER_HOUR, MS_PER_MINUTE } from './engine/time.ts';
import type { ScenarioSpec } from './scenarios/scenario.types.ts';

/** Burst targets in rotation: one high-cost country per episode. */
const BURST_COUNTRIES = ['UZ', 'KG', 'TJ', 'AZ', 'MM', 'PG', 'LK', 'KW'] as const;
/** The first burst lands a quarter of an hour in: baselines have a few minutes of history by then. */
const FIRST_BURST_OFFSET_MS = 15 * MS_PER_MINUTE;
/** Episodes are 50 to 70 minutes apart (a fixed pattern, so demos are repeatable). */
const BURST_GAPS_MS = [60, 50, 70, 55, 65].map((minutes) => minutes * MS_PER_MINUTE);
const BURST_DURATION_MS = 8 * MS_PER_MINUTE;
/** A modest wave: clearly visible in a high-cost country, a few dollars a minute. */
const BURST_SENDS_PER_MINUTE = 40;
/** One campaign every six hours, starting 35 minutes in, in rotating big markets. */
const CAMPAIGN_OFFSET_MS = 35 * MS_PER_MINUTE;
const CAMPAIGN_EVERY_MS = 6 * MS_PER_HOUR;
const CAMPAIGN_DURATION_MS = 45 * MS_PER_MINUTE;
const CAMPAIGN_COUNTRIES = ['BR', 'MX', 'GB', 'IN'] as const;
const CAMPAIGN_MULTIPLIER = 3;

/** The default demo mix for `hours` hours from `startMs`. */
export function demoScenarios(startMs: number, hours = 24): ScenarioSpec[] {
  const endMs = startMs + hours * MS_PER_HOUR;
  const scenarios: ScenarioSpec[] = [];
  let episode = 0;
  for (let atMs = startMs + FIRST_BURST_OFFSET_MS; atMs < endMs; episode += 1) {
    scenarios.push({
      kind: 'burst_pumping',
      startMs: atMs,
      durationMs: BURST_DURATION_MS,
      countries: [BURST_COUNTRIES[episode % BURST_COUNTRIES.length] ?? 'UZ'],
      sendsPerMinute: BURST_SENDS_PER_MINUTE,
    });
    atMs += BURST_GAPS_MS[episode % BURST_GAPS_MS.length] ?? MS_PER_HOUR;
  }
  for (let atMs = startMs + CAMPAIGN_OFFSET_MS, n = 0; atMs < endMs; atMs += CAMPAIGN_EVERY_MS, n += 1) {
    scenarios.push({
      kind: 'marketing_campaign',
      startMs: atMs,
      durationMs: CAMPAIGN_DURATION_MS,
      country: CAMPAIGN_COUNTRIES[n % CAMPAIGN_COUNTRIES.length] ?? 'BR',
      multiplier: CAMPAIGN_MULTIPLIER,
    });
  }
  return scenarios;
}
