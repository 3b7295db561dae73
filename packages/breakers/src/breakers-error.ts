/**
 * Coded errors of this package. None is thrown: transitions and parsers return them as values,
 * because a refused change (a stale version, a reset of a closed breaker) is an everyday outcome
 * the operator API answers with 409 or 400, not a crash. The app's catalogue maps codes to HTTP
 * statuses; tests assert `code`, not message text.
 */
export const BREAKERS_ERROR_CODES = {
  /** The caller's `expectedVersion` is not the breaker's version: someone changed it since it was read. */
  TG_BREAKER_VERSION_CONFLICT: 'TG_BREAKER_VERSION_CONFLICT',
  /** The event does not apply in the breaker's state (reset of a closed breaker, probe result outside half_open). */
  TG_BREAKER_INVALID_TRANSITION: 'TG_BREAKER_INVALID_TRANSITION',
  /** `expire` arrived before the breaker's cooldown or expiry: nothing to do yet (see `nextDueAt`). */
  TG_BREAKER_NOT_DUE: 'TG_BREAKER_NOT_DUE',
  /** A scope that names nothing, or a key in the wrong format (country, prefix, ASN). */
  TG_BREAKER_SCOPE_INVALID: 'TG_BREAKER_SCOPE_INVALID',
  /** A setting out of range: cooldown, probe share, throttle rate, expiry in the past, empty actor or note. */
  TG_BREAKER_SETTING_INVALID: 'TG_BREAKER_SETTING_INVALID',
} as const;

export type BreakersErrorCode = keyof typeof BREAKERS_ERROR_CODES;

export interface BreakersError {
  code: BreakersErrorCode;
  /** Names the field and the fix. */
  message: string;
}
