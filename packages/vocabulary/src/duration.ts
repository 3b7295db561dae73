/**
 * Durations as Prometheus and Alertmanager write them ("30s", "15m", "1h30m", "7d"), so a policy
 * file reads like the alert routing files next to it, and messages print them the same way.
 */
const UNIT_MS = {
  w: 7 * 24 * 60 * 60 * 1_000,
  d: 24 * 60 * 60 * 1_000,
  h: 60 * 60 * 1_000,
  m: 60 * 1_000,
  s: 1_000,
  ms: 1,
} as const;

type Unit = keyof typeof UNIT_MS;

/** Units largest first, each at most once: the order Prometheus accepts. */
const DURATION_PATTERN = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNITS_IN_PATTERN_ORDER: readonly Unit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

/** Milliseconds, or undefined if `text` is not a duration ("" and "0" are not: say "0s"). */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (match === null || text === '') return undefined;
  let totalMs = 0;
  UNITS_IN_PATTERN_ORDER.forEach((unit, index) => {
    const amount = match[index + 1];
    if (amount !== undefined) totalMs += Number(amount) * UNIT_MS[unit];
  });
  return totalMs;
}

/** The shortest Prometheus form of a duration: 90_000 -> "1m30s". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = Math.round(ms);
  let text = '';
  for (const unit of UNITS_IN_PATTERN_ORDER) {
    const amount = Math.floor(rest / UNIT_MS[unit]);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * UNIT_MS[unit];
    }
  }
  return text;
}
