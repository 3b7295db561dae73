/** Time units in milliseconds: the simulator works in epoch ms and per-minute steps. */
export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** The minute (epoch ms / 60 000, floored) an instant falls in. */
export function minuteOf(atMs: number): number {
  return Math.floor(atMs / MS_PER_MINUTE);
}
