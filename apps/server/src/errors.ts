/**
 * Every error a client can see, in one catalogue: a stable code (tests and clients match on it),
 * the HTTP status, and a message that names the field and the fix.
 */
export const ERRORS = {
  TG_AUTH_MISSING: { status: 401, message: 'Missing API key: send "Authorization: Bearer <key>".' },
  TG_AUTH_INVALID: { status: 401, message: 'Unknown or revoked API key: create one with `tollgate keys create`.' },
  TG_AUTH_SCOPE: { status: 403, message: 'This API key (or your role) lacks the scope this route needs.' },
  TG_LOGIN_INVALID: { status: 401, message: 'Unknown user or wrong password.' },
  TG_LOGIN_THROTTLED: { status: 429, message: 'Too many failed sign-ins: wait for the delay in Retry-After.' },
  TG_SIGNATURE_INVALID: { status: 403, message: 'Provider signature does not match: check the auth token configured for this provider.' },
  TG_REQUEST_INVALID: { status: 400, message: 'The request is invalid.' },
  TG_BODY_INVALID: { status: 400, message: 'The body could not be read.' },
  TG_EVENT_INVALID: { status: 400, message: 'No event in the batch is valid: see `rejected` for each line, its field and the reason.' },
  TG_BATCH_EMPTY: { status: 400, message: 'The batch holds no event: send a JSON array of events or NDJSON, one event per line.' },
  TG_BATCH_TOO_LARGE: { status: 413, message: 'Too many events in one batch: split it.' },
  TG_BODY_TOO_LARGE: { status: 413, message: 'The body is larger than the limit: split the batch (gzip counts after decompression).' },
  TG_CONTENT_TYPE: { status: 415, message: 'Unsupported content type.' },
  TG_NOT_FOUND: { status: 404, message: 'No such resource.' },
  TG_EGRESS_REFUSED: {
    status: 400,
    message:
      'The URL leads to an address the server does not send to (loopback, private, link-local, metadata...): use a public address, or have the operator list it in TOLLGATE_EGRESS_ALLOW.',
  },
  TG_ROLE_NOT_SERVED: {
    status: 421,
    message: 'This node does not serve this route (TOLLGATE_ROLES): send it to a node with the role named in details.',
  },
  TG_BREAKER_NOT_FOUND: { status: 404, message: 'No such breaker.' },
  TG_BREAKER_VERSION_CONFLICT: {
    status: 409,
    message: 'The breaker changed since you read it: read it again and retry with its new version in If-Match.',
  },
  TG_BREAKER_INVALID_TRANSITION: { status: 409, message: "This change does not apply in the breaker's current state." },
  TG_BREAKER_NOT_DUE: { status: 409, message: 'The breaker is not due for this change yet.' },
  TG_BREAKER_SCOPE_INVALID: { status: 400, message: 'The breaker scope is invalid.' },
  TG_BREAKER_SETTING_INVALID: { status: 400, message: 'A breaker setting is out of range.' },
  TG_PRECONDITION_INVALID: { status: 400, message: 'If-Match must be the breaker version as returned in its ETag, e.g. "3".' },
  TG_INCIDENT_CONFLICT: { status: 409, message: 'This change does not apply to the incident as it stands: see the code in details.' },
  TG_RULES_UNAVAILABLE: {
    status: 503,
    message: 'No valid alert rules are loaded: fix the files in alert-rules/ (GET /v1/rules shows the errors).',
  },
  TG_OVERLOADED: { status: 429, message: 'The collector is catching up: retry after the delay in Retry-After.' },
  TG_STORE_UNAVAILABLE: {
    status: 503,
    message: 'The store did not take the write; nothing was acknowledged: retry after the delay in Retry-After.',
  },
  TG_INTERNAL: { status: 500, message: 'Internal error: it has been logged.' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; details?: unknown };
}

/** An error that carries its catalogue code; the error handler turns it into the response. */
export class TollgateError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly field?: string;
  readonly details?: unknown;
  readonly retryAfterS?: number;

  constructor(code: ErrorCode, extra: { message?: string; field?: string; details?: unknown; retryAfterS?: number } = {}) {
    super(extra.message ?? ERRORS[code].message);
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.field = extra.field;
    this.details = extra.details;
    this.retryAfterS = extra.retryAfterS;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field !== undefined && { field: this.field }),
        ...(this.details !== undefined && { details: this.details }),
      },
    };
  }
}

/** JSON schema of the error body, shared by every route's response schema. */
export const ERROR_BODY_SCHEMA = {
  $id: 'ErrorBody',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERRORS) },
        message: { type: 'string' },
        field: { type: 'string' },
        details: {},
      },
    },
  },
} as const;
