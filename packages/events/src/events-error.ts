/**
 * Coded errors for the failures this package throws (setup problems an operator must fix).
 * Per-event problems are never thrown: they come back as `Rejection` values. The app's error
 * catalogue maps these codes to its own; tests assert `code`, not message text.
 */
export const EVENTS_ERROR_CODES = {
  /** TOLLGATE_HMAC_KEY or `<dataDir>/hmac.key` is not a hex or base64 key of at least 32 bytes. */
  TG_HMAC_KEY_INVALID: 'TG_HMAC_KEY_INVALID',
  /** The key file exists but cannot be read, or the data directory cannot be written. */
  TG_HMAC_KEY_IO: 'TG_HMAC_KEY_IO',
  /** The ASN database files of @ip-location-db/asn are missing or unreadable. */
  TG_ASN_DB_UNAVAILABLE: 'TG_ASN_DB_UNAVAILABLE',
} as const;

export type EventsErrorCode = keyof typeof EVENTS_ERROR_CODES;

export class EventsError extends Error {
  readonly code: EventsErrorCode;

  constructor(code: EventsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventsError';
    this.code = code;
  }
}
