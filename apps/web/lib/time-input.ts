/**
 * Windows (silences, planned events) are typed in UTC, like every time on the dashboard: a
 * `datetime-local` field has no zone, so its value is read as UTC here, never in the server's zone.
 */
const LOCAL_INPUT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/** The `datetime-local` value (UTC, to the minute) of an instant. */
export function utcInputValue(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

/**
 * What the API receives for a typed time: the UTC instant of a `datetime-local` value; anything else
 * as typed, so the API refuses it with the field's name rather than the dashboard guessing.
 */
export function utcFromInput(value: string): string {
  const trimmed = value.trim();
  return LOCAL_INPUT.test(trimmed) ? `${trimmed}Z` : trimmed;
}
