import { describe, expect, it } from 'vitest';
import { parseWireTime } from '../src/index.ts';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);

describe('parseWireTime', () => {
  it.each([
    ['ISO-8601 with Z', '2024-06-01T11:59:00Z', Date.UTC(2024, 5, 1, 11, 59)],
    ['ISO-8601 with milliseconds', '2024-06-01T11:59:00.250Z', Date.UTC(2024, 5, 1, 11, 59, 0, 250)],
    ['ISO-8601 with an offset', '2024-06-01T13:59:00+02:00', Date.UTC(2024, 5, 1, 11, 59)],
    ['RFC 3339 with a space', '2024-06-01 11:59:00Z', Date.UTC(2024, 5, 1, 11, 59)],
    ['epoch milliseconds', NOW - 1000, NOW - 1000],
    ['fractional epoch milliseconds, truncated', NOW - 999.7, NOW - 1000],
    ['a time just under a day ahead', NOW + 23 * 3_600_000, NOW + 23 * 3_600_000],
  ])('accepts %s', (_name, ts, expected) => {
    expect(parseWireTime(ts, NOW)).toEqual({ ok: true, ms: expected });
  });

  it.each([
    ['a time without a zone', '2024-06-01T11:59:00', /without Z or an offset/],
    ['a date in words', 'June 1, 2024', /not a valid time/],
    ['a day the month does not have', '2024-02-30T10:00:00Z', /not a valid calendar time/],
    ['an hour that does not exist', '2024-06-01T25:00:00Z', /not a valid calendar time/],
    ['epoch seconds, with a hint', 1_717_243_200, /epoch seconds: multiply by 1000/],
    ['a time before 2000', '1999-12-31T23:59:59Z', /before 2000-01-01/],
    ['a time more than a day ahead', NOW + 25 * 3_600_000, /more than 1 day in the future/],
    ['epoch microseconds', NOW * 1000, /more than 1 day in the future/],
  ])('rejects %s', (_name, ts, reason) => {
    const result = parseWireTime(ts, NOW);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });
});
