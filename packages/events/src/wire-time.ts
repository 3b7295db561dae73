import type { EpochMs } from './rows.ts';
import type { WireTime } from './wire.ts';

/**
 * ISO-8601 / RFC 3339 date-time with a zone (Z or ±hh:mm). A time without a zone is rejected:
 * Date.parse would read it in the server's local zone, silently shifting events by hours.
 */
const ISO_8601_WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** Events from before this are clock or unit errors, not history (Tollgate postdates it by decades). */
export const EARLIEST_EVENT_MS = Date.UTC(2000, 0, 1);

/** Clocks drift and batches queue, but an event more than a day ahead is a wrong clock or unit. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

const TS_FORMAT = 'an ISO-8601 time with zone (e.g. 2024-06-01T12:00:00Z) or epoch milliseconds';

/** Epoch seconds stay below this until 2100; epoch milliseconds pass it on 1970-02-17, so below it means seconds. */
const EPOCH_SECONDS_MAX = 4_102_444_800;

/**
 * Event time in epoch milliseconds, or why it cannot be used. `nowMs` is the clock of the caller:
 * tests and replays pass their own.
 */
export function parseWireTime(ts: WireTime, nowMs: number): { ok: true; ms: EpochMs } | { ok: false; reason: string } {
  let ms: number;
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts)) return { ok: false, reason: `not a finite number (expected ${TS_FORMAT})` };
    ms = Math.trunc(ts);
  } else {
    const parts = ISO_8601_WITH_ZONE.exec(ts);
    if (parts === null) {
      return { ok: false, reason: `not a valid time (expected ${TS_FORMAT}; a time without Z or an offset is ambiguous)` };
    }
    ms = Date.parse(ts.replace(' ', 'T').replace(',', '.'));
    // Date.parse rolls 2024-02-30 over to March 1st instead of failing.
    if (Number.isNaN(ms) || Number(parts[3]) > daysInMonth(Number(parts[1]), Number(parts[2]))) {
      return { ok: false, reason: `not a valid calendar time (expected ${TS_FORMAT})` };
    }
  }
  if (ms < EARLIEST_EVENT_MS) {
    const hint = typeof ts === 'number' && ts > 0 && ts < EPOCH_SECONDS_MAX ? ' (this looks like epoch seconds: multiply by 1000)' : '';
    return { ok: false, reason: `before 2000-01-01, which is not a plausible event time${hint}` };
  }
  if (ms > nowMs + MAX_FUTURE_SKEW_MS) {
    return {
      ok: false,
      reason: "more than 1 day in the future: check the sender's clock and that the time is in milliseconds, not microseconds",
    };
  }
  return { ok: true, ms };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
