/**
 * Stream numbers keep independent random sequences apart: a minute's baseline, each baseline
 * session, each scenario's setup, minute and sessions draw from their own seeds. Adding a scenario
 * therefore never changes the baseline traffic, and any minute can be regenerated alone.
 */
export const STREAM = {
  baselineMinute: 1,
  baselineSession: 2,
  scenarioSetup: 3,
  scenarioMinute: 4,
  scenarioSession: 5,
  levelNoise: 6,
} as const;
