import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PLANNED_EVENT_KINDS, MAX_VOLUME_MULTIPLIER, type PlannedEvent } from '@tollgate/detector';
import type { Scope } from '@tollgate/vocabulary';
import type { AlertingRuntime } from '../alerting-runtime.ts';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import type { PlannedEventResult } from '@tollgate/alerting';
import { BREAKER_SCOPE_SCHEMA } from './breaker-view.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';
import { parseTime } from './traffic.routes.ts';

const ERRORS = { ...ERROR_RESPONSES, 404: { $ref: 'ErrorBody#' } } as const;

const EVENT_SCHEMA = {
  type: 'object',
  required: ['id', 'kind', 'scope', 'startsAt', 'endsAt', 'volumeMultiplier', 'note', 'author', 'createdAt'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...PLANNED_EVENT_KINDS] },
    scope: BREAKER_SCOPE_SCHEMA,
    startsAt: { type: 'string', format: 'date-time' },
    endsAt: { type: 'string', format: 'date-time' },
    volumeMultiplier: { type: 'number' },
    owner: { type: 'string' },
    note: { type: 'string' },
    author: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

function view(event: PlannedEvent) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return { ...event, startsAt: iso(event.startsAt), endsAt: iso(event.endsAt), createdAt: iso(event.createdAt) };
}

function answer(result: PlannedEventResult) {
  if (result.ok) return { event: view(result.event) };
  const [first] = result.errors;
  const code = result.status === 404 ? 'TG_NOT_FOUND' : 'TG_REQUEST_INVALID';
  throw new TollgateError(code, {
    field: first?.field,
    message: result.errors.map((e) => `${e.field}: ${e.reason}`).join('; '),
    details: result.errors,
  });
}

interface Body {
  kind: PlannedEvent['kind'];
  scope: Scope;
  startsAt: string;
  endsAt: string;
  volumeMultiplier?: number;
  owner?: string;
  note: string;
}

/**
 * Planned events: a campaign, launch, migration or holiday declared ahead of time. Inside its scope
 * and window the detector expects the declared volume (conversion, cost and enumeration are still
 * judged), incidents name the event, and go to its temporary owner when it has one.
 */
export async function plannedEventRoutes(app: FastifyInstance, opts: { keyring: Keyring; alerting: AlertingRuntime }): Promise<void> {
  const { planned } = opts.alerting;
  const actor = (request: FastifyRequest) => request.principal?.name ?? 'unknown';

  app.get(
    '/v1/planned-events',
    {
      onRequest: requireScope(opts.keyring, 'read'),
      schema: {
        summary: 'Planned events in effect or to come',
        tags: ['planned events'],
        description: 'Scope `read`. Events not ended yet, earliest first.',
        response: {
          200: { type: 'object', required: ['events'], properties: { events: { type: 'array', items: EVENT_SCHEMA } } },
          ...ERRORS,
        },
      },
    },
    async () => {
      await planned.refresh();
      return { events: planned.list().map(view) };
    },
  );

  app.post<{ Body: Body }>(
    '/v1/planned-events',
    {
      onRequest: requireScope(opts.keyring, 'operate'),
      schema: {
        summary: 'Declare a planned event',
        tags: ['planned events'],
        description:
          'Scope `operate`. A scope (at least one key), a window of at most 30 days ending in the future, the expected volume against the usual ' +
          `(1 to ${MAX_VOLUME_MULTIPLIER}, default 1), an optional temporary owner from alert-rules/owners.yaml, and a note. The author is the caller.`,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'scope', 'startsAt', 'endsAt', 'note'],
          properties: {
            kind: { type: 'string', enum: [...PLANNED_EVENT_KINDS] },
            scope: BREAKER_SCOPE_SCHEMA,
            startsAt: { type: 'string' },
            endsAt: { type: 'string' },
            volumeMultiplier: { type: 'number' },
            owner: { type: 'string', minLength: 1, maxLength: 64 },
            note: { type: 'string', minLength: 1, maxLength: 500 },
          },
        },
        response: { 201: { type: 'object', required: ['event'], properties: { event: EVENT_SCHEMA } }, ...ERRORS },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await planned.create(
        {
          kind: body.kind,
          scope: body.scope,
          startsAt: parseTime(body.startsAt, 'startsAt'),
          endsAt: parseTime(body.endsAt, 'endsAt'),
          volumeMultiplier: body.volumeMultiplier ?? 1,
          ...(body.owner === undefined ? {} : { owner: body.owner }),
          note: body.note,
        },
        { author: actor(request), owners: [...(opts.alerting.rules()?.owners.keys() ?? [])] },
      );
      const answered = answer(result);
      reply.code(201);
      return answered;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/planned-events/:id',
    {
      onRequest: requireScope(opts.keyring, 'operate'),
      schema: {
        summary: 'End a planned event now',
        tags: ['planned events'],
        description: 'Scope `operate`. The event stays on record with its end moved to now.',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^plan_[0-9a-f-]{36}$' } } },
        response: { 200: { type: 'object', required: ['event'], properties: { event: EVENT_SCHEMA } }, ...ERRORS },
      },
    },
    async (request) => answer(await planned.end(request.params.id)),
  );
}
