import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Breaker, BreakerAction, BreakerEvent, BreakerRegistry } from '@tollgate/breakers';
import type { Scope } from '@tollgate/vocabulary';
import { breakerAudit, trafficSeries, type Store } from '@tollgate/store';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { TollgateError, type ErrorCode } from '../errors.ts';
import { BREAKER_SCOPE_SCHEMA, BREAKER_VIEW_SCHEMA, breakerView } from './breaker-view.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';

// Defaults for a manual trip: probe after 5 minutes with 5 % of the traffic.
const DEFAULT_COOLDOWN_S = 300;
const DEFAULT_PROBE_SHARE = 0.05;
const PREVIEW_WINDOW_MS = 3_600_000;

const ERRORS_WITH_CONFLICT = { ...ERROR_RESPONSES, 404: { $ref: 'ErrorBody#' }, 409: { $ref: 'ErrorBody#' } } as const;
const VERSIONED = { 200: BREAKER_VIEW_SCHEMA, ...ERRORS_WITH_CONFLICT } as const;
const ID_PARAMS = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } } as const;
const NOTE = { type: 'string', minLength: 1, maxLength: 1000 } as const;

interface TripBody {
  scope: Scope;
  action: 'block' | 'challenge' | 'throttle';
  throttle_per_minute?: number;
  mode?: 'enforce' | 'shadow';
  cooldown_s?: number;
  probe_share?: number;
  expires_in_s?: number;
  note: string;
}

/**
 * The operator API (scope `operate`): list, read, trip, reset and extend breakers with optimistic
 * concurrency (ETag is the version; If-Match must match or the answer is 409), the audit log, and a
 * preview of what a breaker would have stopped in the last hour. The snapshot (scope `decide`)
 * feeds the SDK's local cache.
 */
export async function breakerRoutes(
  app: FastifyInstance,
  opts: { keyring: Keyring; registry: BreakerRegistry; store: Store },
): Promise<void> {
  const routes: BreakerRoutes = { ...opts, operate: requireScope(opts.keyring, 'operate') };
  breakerReadRoutes(app, routes);
  breakerTripRoute(app, routes);
  breakerChangeRoutes(app, routes);
  breakerAuditRoute(app, routes);
  breakerPreviewRoute(app, routes);
}

/** What the groups of breaker routes share. */
interface BreakerRoutes {
  keyring: Keyring;
  registry: BreakerRegistry;
  store: Store;
  operate: ReturnType<typeof requireScope>;
}

function actorOf(request: FastifyRequest): string {
  return request.principal?.name ?? 'unknown';
}

/** The breaker or a 404 naming the id. */
function found(registry: BreakerRegistry, id: string): Breaker {
  const breaker = registry.get(id);
  if (!breaker) throw new TollgateError('TG_BREAKER_NOT_FOUND', { message: `No breaker with id ${id}.` });
  return breaker;
}

/** Reading breakers: the list, the SDK's snapshot, one breaker with its version. */
function breakerReadRoutes(app: FastifyInstance, routes: BreakerRoutes): void {
  const { registry, operate } = routes;

  app.get<{ Querystring: { state?: string } }>(
    '/v1/breakers',
    {
      onRequest: operate,
      schema: {
        summary: 'List breakers',
        tags: ['breakers'],
        description: 'Scope `operate`. `state=active` lists open and half-open breakers.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { state: { type: 'string', enum: ['open', 'half_open', 'closed', 'active'] } },
        },
        response: { 200: { type: 'array', items: BREAKER_VIEW_SCHEMA }, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const wanted = request.query.state;
      return registry
        .list()
        .filter((b) => !wanted || (wanted === 'active' ? b.state !== 'closed' : b.state === wanted))
        .sort((a, b) => b.updatedAt - a.updatedAt)
        .map(breakerView);
    },
  );

  app.get(
    '/v1/breakers/snapshot',
    {
      onRequest: requireScope(routes.keyring, 'decide'),
      schema: {
        summary: 'Active breakers for a client-side cache',
        tags: ['breakers'],
        description: 'Scope `decide`. Open and half-open breakers, for the SDK to decide locally between polls and webhooks.',
        response: {
          200: {
            type: 'object',
            properties: {
              version: { type: 'integer' },
              generated_at: { type: 'integer' },
              breakers: { type: 'array', items: BREAKER_VIEW_SCHEMA },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => {
      const active = registry.list().filter((b) => b.state !== 'closed');
      return {
        version: registry.list().reduce((max, b) => Math.max(max, b.updatedAt), 0),
        generated_at: Date.now(),
        breakers: active.map(breakerView),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/breakers/:id',
    {
      onRequest: operate,
      schema: {
        summary: 'Get a breaker',
        tags: ['breakers'],
        description: 'Scope `operate`. ETag carries the version for If-Match.',
        params: ID_PARAMS,
        response: VERSIONED,
      },
    },
    async (request, reply) => {
      const breaker = found(registry, request.params.id);
      reply.header('etag', `"${breaker.version}"`);
      return breakerView(breaker);
    },
  );
}

/** A breaker tripped by hand: it opens now, with the operator as its reason's actor. */
function breakerTripRoute(app: FastifyInstance, routes: BreakerRoutes): void {
  const { registry, operate } = routes;

  app.post<{ Body: TripBody }>(
    '/v1/breakers',
    {
      onRequest: operate,
      schema: {
        summary: 'Trip a new breaker by hand',
        tags: ['breakers'],
        description: "Scope `operate`. The breaker opens now; the actor is the API key's name and the note is required.",
        body: {
          type: 'object',
          required: ['scope', 'action', 'note'],
          additionalProperties: false,
          properties: {
            scope: BREAKER_SCOPE_SCHEMA,
            action: { type: 'string', enum: ['block', 'challenge', 'throttle'] },
            throttle_per_minute: { type: 'integer', minimum: 1 },
            mode: { type: 'string', enum: ['enforce', 'shadow'], default: 'enforce' },
            cooldown_s: { type: 'integer', minimum: 1, maximum: 86_400 },
            probe_share: { type: 'number', minimum: 0, maximum: 1 },
            expires_in_s: { type: 'integer', minimum: 1 },
            note: NOTE,
          },
        },
        response: { 201: BREAKER_VIEW_SCHEMA, ...ERRORS_WITH_CONFLICT },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await registry.create({
        id: `brk_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
        scope: body.scope,
        action: actionFrom(body.action, body.throttle_per_minute),
        mode: body.mode ?? 'enforce',
        reason: { kind: 'manual', actor: actorOf(request), note: body.note },
        cooldownMs: (body.cooldown_s ?? DEFAULT_COOLDOWN_S) * 1000,
        probeShare: body.probe_share ?? DEFAULT_PROBE_SHARE,
        expiresAt: body.expires_in_s === undefined ? null : Date.now() + body.expires_in_s * 1000,
      });
      if (!result.ok) throw new TollgateError(result.error.code as ErrorCode, { message: result.error.message });
      reply.header('etag', `"${result.breaker.version}"`);
      return reply.status(201).send(breakerView(result.breaker));
    },
  );
}

/**
 * Changing a breaker: trip it again, reset or extend it. Each change names its actor and a note,
 * and carries the version the operator read (If-Match): a stale one gets 409.
 */
function breakerChangeRoutes(app: FastifyInstance, routes: BreakerRoutes): void {
  const { registry, operate } = routes;

  async function change(
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: { header(k: string, v: string): unknown },
    event: BreakerEvent,
  ) {
    found(registry, request.params.id);
    const result = await registry.apply(request.params.id, { ...event, expectedVersion: expectedVersion(request) } as BreakerEvent);
    if (!result.ok) throw new TollgateError(result.error.code as ErrorCode, { message: result.error.message });
    reply.header('etag', `"${result.breaker.version}"`);
    return breakerView(result.breaker);
  }

  const changeSchema = (summary: string, description: string, extra: Record<string, unknown> = {}) => ({
    summary,
    tags: ['breakers'],
    description: `Scope \`operate\`. ${description} Send the version you read as If-Match: a stale one gets 409.`,
    params: ID_PARAMS,
    headers: { type: 'object', properties: { 'if-match': { type: 'string' } } },
    body: { type: 'object', required: ['note'], additionalProperties: false, properties: { note: NOTE, ...extra } },
    response: VERSIONED,
  });

  app.post<{ Params: { id: string }; Body: { note: string } }>(
    '/v1/breakers/:id/trip',
    {
      onRequest: operate,
      schema: changeSchema('Trip an existing breaker again', 'Re-opens a closed or probing breaker.', {
        expires_in_s: { type: 'integer', minimum: 1 },
      }),
    },
    async (request, reply) => {
      const body = request.body as { note: string; expires_in_s?: number };
      return change(request, reply, {
        type: 'trip',
        reason: { kind: 'manual', actor: actorOf(request), note: body.note },
        expiresAt: body.expires_in_s === undefined ? null : Date.now() + body.expires_in_s * 1000,
      });
    },
  );

  app.post<{ Params: { id: string }; Body: { note: string } }>(
    '/v1/breakers/:id/reset',
    { onRequest: operate, schema: changeSchema('Reset (close) a breaker', 'Closes the breaker whatever its probing state.') },
    async (request, reply) => change(request, reply, { type: 'reset', actor: actorOf(request), note: request.body.note }),
  );

  app.post<{ Params: { id: string }; Body: { note: string; expires_in_s: number | null } }>(
    '/v1/breakers/:id/extend',
    {
      onRequest: operate,
      schema: changeSchema("Move a breaker's expiry", '`expires_in_s` from now, or null for no expiry.', {
        expires_in_s: { type: ['integer', 'null'], minimum: 1 },
      }),
    },
    async (request, reply) => {
      const seconds = request.body.expires_in_s;
      if (seconds === undefined)
        throw new TollgateError('TG_REQUEST_INVALID', {
          field: 'expires_in_s',
          message: 'body field "expires_in_s" is required: seconds from now, or null for no expiry.',
        });
      return change(request, reply, {
        type: 'extend',
        actor: actorOf(request),
        note: request.body.note,
        expiresAt: seconds === null ? null : Date.now() + seconds * 1000,
      });
    },
  );
}

/** Every change of a breaker, oldest first: who or what, from which state to which, and why. */
function breakerAuditRoute(app: FastifyInstance, routes: BreakerRoutes): void {
  const { registry, operate } = routes;

  app.get<{ Params: { id: string } }>(
    '/v1/breakers/:id/audit',
    {
      onRequest: operate,
      schema: {
        summary: 'Audit log of a breaker',
        tags: ['breakers'],
        description: 'Scope `operate`. Every change, oldest first: who or what, from which state to which, and why.',
        params: ID_PARAMS,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              required: ['ts', 'version', 'event', 'from_state', 'to_state', 'actor', 'detail'],
              properties: {
                ts: { type: 'integer' },
                version: { type: 'integer' },
                event: { type: 'string' },
                from_state: { type: 'string' },
                to_state: { type: 'string' },
                actor: { type: 'string' },
                detail: { type: 'string' },
              },
            },
          },
          ...ERRORS_WITH_CONFLICT,
        },
      },
    },
    async (request) => {
      found(registry, request.params.id);
      return breakerAudit(routes.store, request.params.id);
    },
  );
}

/** Before tripping: the sends and spend of the last hour a scope covers, and their share of all traffic. */
function breakerPreviewRoute(app: FastifyInstance, routes: BreakerRoutes): void {
  const { operate } = routes;

  app.post<{ Body: { scope: Scope } }>(
    '/v1/breakers/preview',
    {
      onRequest: operate,
      schema: {
        summary: 'What a breaker would have stopped in the last hour',
        tags: ['breakers'],
        description: 'Scope `operate`. Sends and estimated spend of the last hour that the scope covers, and their share of all traffic.',
        body: { type: 'object', required: ['scope'], additionalProperties: false, properties: { scope: BREAKER_SCOPE_SCHEMA } },
        response: {
          200: {
            type: 'object',
            properties: {
              from: { type: 'integer' },
              to: { type: 'integer' },
              sends: { type: 'integer' },
              cost_usd: { type: 'number' },
              share_of_sends: { type: 'number' },
              share_of_cost: { type: 'number' },
              conversion: { type: ['number', 'null'] },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const toMs = Date.now();
      const fromMs = toMs - PREVIEW_WINDOW_MS;
      const scope = request.body.scope;
      const window = { fromMs, toMs, intervalMinutes: 60, limit: 1, measures: PREVIEW_MEASURES };
      const covered = total(
        await trafficSeries(routes.store, {
          ...window,
          filters: { ...scope, asn: scope.asn === undefined ? undefined : String(scope.asn) },
        }),
      );
      const all = total(await trafficSeries(routes.store, { ...window, filters: {} }));
      return {
        from: fromMs,
        to: toMs,
        sends: covered.sends,
        cost_usd: covered.cost,
        share_of_sends: all.sends > 0 ? covered.sends / all.sends : 0,
        share_of_cost: all.cost > 0 ? covered.cost / all.cost : 0,
        conversion: covered.sessions > 0 ? covered.verified / covered.sessions : null,
      };
    },
  );
}

// What the preview adds up: no distinct count of phones.
const PREVIEW_MEASURES = ['sends', 'cost_est_usd', 'sessions', 'verified_sessions'] as const;

function total(points: { sends: number; cost_est_usd: number; sessions: number; verified_sessions: number }[]) {
  return points.reduce(
    (sum, p) => ({
      sends: sum.sends + p.sends,
      cost: sum.cost + p.cost_est_usd,
      sessions: sum.sessions + p.sessions,
      verified: sum.verified + p.verified_sessions,
    }),
    { sends: 0, cost: 0, sessions: 0, verified: 0 },
  );
}

function actionFrom(action: TripBody['action'], perMinute: number | undefined): BreakerAction {
  if (action !== 'throttle') return { kind: action };
  if (perMinute === undefined)
    throw new TollgateError('TG_REQUEST_INVALID', {
      field: 'throttle_per_minute',
      message: 'A throttle needs throttle_per_minute (sends let through per minute).',
    });
  return { kind: 'throttle', perMinute };
}

/** If-Match: `"3"`, `W/"3"` or `3`; absent means "whatever the current version is". */
function expectedVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(String(header).trim());
  if (!match) throw new TollgateError('TG_PRECONDITION_INVALID');
  return Number(match[1]);
}
