import type { Breaker } from '@tollgate/breakers';

/** A breaker as the API shows it (snake_case, like the rest of the API and the SDK's snapshot). */
export function breakerView(breaker: Breaker) {
  return {
    id: breaker.id,
    version: breaker.version,
    scope: breaker.scope,
    action: breaker.action.kind,
    ...(breaker.action.kind === 'throttle' && { throttle_per_minute: breaker.action.perMinute }),
    mode: breaker.mode,
    state: breaker.state,
    reason:
      breaker.reason.kind === 'anomaly'
        ? { kind: 'anomaly', anomaly_id: breaker.reason.anomalyId }
        : { kind: 'manual', actor: breaker.reason.actor, note: breaker.reason.note },
    probe_share: breaker.probeShare,
    cooldown_s: Math.round(breaker.cooldownMs / 1000),
    created_at: breaker.createdAt,
    updated_at: breaker.updatedAt,
    opened_at: breaker.openedAt,
    half_open_at: breaker.halfOpenAt,
    expires_at: breaker.expiresAt,
    reopen_count: breaker.reopenCount,
  };
}

const SCOPE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    app: { type: 'string' },
    flow: { type: 'string' },
    country: { type: 'string' },
    prefix: { type: 'string' },
    asn: { type: 'integer' },
    provider: { type: 'string' },
  },
} as const;

export const BREAKER_SCOPE_SCHEMA = SCOPE_SCHEMA;

export const BREAKER_VIEW_SCHEMA = {
  type: 'object',
  required: [
    'id',
    'version',
    'scope',
    'action',
    'mode',
    'state',
    'reason',
    'probe_share',
    'cooldown_s',
    'created_at',
    'updated_at',
    'opened_at',
    'half_open_at',
    'expires_at',
    'reopen_count',
  ],
  properties: {
    id: { type: 'string' },
    version: { type: 'integer' },
    scope: SCOPE_SCHEMA,
    action: { type: 'string', enum: ['block', 'challenge', 'throttle'] },
    throttle_per_minute: { type: 'integer' },
    mode: { type: 'string', enum: ['enforce', 'shadow'] },
    state: { type: 'string', enum: ['closed', 'open', 'half_open'] },
    reason: {
      anyOf: [
        {
          type: 'object',
          required: ['kind', 'anomaly_id'],
          properties: { kind: { type: 'string', enum: ['anomaly'] }, anomaly_id: { type: 'string' } },
        },
        {
          type: 'object',
          required: ['kind', 'actor', 'note'],
          properties: { kind: { type: 'string', enum: ['manual'] }, actor: { type: 'string' }, note: { type: 'string' } },
        },
      ],
    },
    probe_share: { type: 'number' },
    cooldown_s: { type: 'integer' },
    created_at: { type: 'integer' },
    updated_at: { type: 'integer' },
    opened_at: { type: ['integer', 'null'] },
    half_open_at: { type: ['integer', 'null'] },
    expires_at: { type: ['integer', 'null'] },
    reopen_count: { type: 'integer' },
  },
} as const;
