/** What every collector route answers for a batch it could read. */
export const INGEST_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['accepted', 'duplicates', 'rejected'],
  properties: {
    accepted: { type: 'integer', description: 'Events stored by this request.' },
    duplicates: { type: 'integer', description: 'Events whose event_id was already stored: not counted again.' },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        required: ['line', 'field', 'reason'],
        properties: { line: { type: 'integer' }, field: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
} as const;

export const ERROR_RESPONSES = {
  400: { $ref: 'ErrorBody#' },
  401: { $ref: 'ErrorBody#' },
  403: { $ref: 'ErrorBody#' },
  413: { $ref: 'ErrorBody#' },
  415: { $ref: 'ErrorBody#' },
  429: { $ref: 'ErrorBody#' },
  503: { $ref: 'ErrorBody#' },
} as const;
