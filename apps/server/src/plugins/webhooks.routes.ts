import type { FastifyInstance } from 'fastify';
import { EgressRefusedError } from '@tollgate/egress';
import type { WebhookDispatcher } from '@tollgate/webhooks';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';

export const WEBHOOK_EVENT_TYPES = ['breaker.opened', 'breaker.half_open', 'breaker.closed', 'breaker.updated'] as const;

const SUBSCRIPTION = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'integer' },
  },
} as const;

/**
 * Webhook subscriptions and their delivery log (scope `operate`). The signing secret is in the
 * creation answer only: receivers verify `Tollgate-Signature` with it (see @tollgate/client).
 */
export async function webhookRoutes(app: FastifyInstance, opts: { keyring: Keyring; dispatcher: WebhookDispatcher }): Promise<void> {
  const operate = requireScope(opts.keyring, 'operate');
  const { dispatcher } = opts;

  app.post<{ Body: { url: string; events?: string[] } }>(
    '/v1/webhooks',
    {
      onRequest: operate,
      schema: {
        summary: 'Subscribe a URL to breaker changes',
        tags: ['webhooks'],
        description:
          'Scope `operate`. `events` empty or absent means every type. The answer holds the signing secret, shown once. ' +
          'A URL that is, or whose host resolves to, a loopback, private, CGNAT, link-local, multicast, unique-local or cloud metadata address ' +
          'is refused with 400 `TG_EGRESS_REFUSED` unless the operator lists it in TOLLGATE_EGRESS_ALLOW; every delivery is checked again.',
        body: {
          type: 'object',
          required: ['url'],
          additionalProperties: false,
          properties: {
            url: { type: 'string', maxLength: 2048, pattern: '^https?://' },
            events: { type: 'array', uniqueItems: true, items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] } },
          },
        },
        response: { 201: { ...SUBSCRIPTION, properties: { ...SUBSCRIPTION.properties, secret: { type: 'string' } } }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      let created: Awaited<ReturnType<WebhookDispatcher['subscribe']>>;
      try {
        created = await dispatcher.subscribe(request.body.url, request.body.events ?? []);
      } catch (error) {
        if (!(error instanceof EgressRefusedError)) throw error;
        const { reason, detail } = error.decision;
        if (reason === 'invalid_url' || reason === 'scheme')
          throw new TollgateError('TG_REQUEST_INVALID', { field: 'url', message: `url: ${detail}.` });
        throw new TollgateError('TG_EGRESS_REFUSED', {
          field: 'url',
          message: `url: ${detail}.`,
          details: { reason, ...(error.decision.range && { range: error.decision.range }) },
        });
      }
      return reply.status(201).send({ ...created.subscription, secret: created.secret });
    },
  );

  app.get(
    '/v1/webhooks',
    {
      onRequest: operate,
      schema: {
        summary: 'List webhook subscriptions',
        tags: ['webhooks'],
        description: 'Scope `operate`.',
        response: { 200: { type: 'array', items: SUBSCRIPTION }, ...ERROR_RESPONSES },
      },
    },
    async () => dispatcher.subscriptions(),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/webhooks/:id',
    {
      onRequest: operate,
      schema: {
        summary: 'Delete a webhook subscription',
        tags: ['webhooks'],
        description: 'Scope `operate`. Pending deliveries to it are dropped.',
        response: { 204: { type: 'null' }, 404: { $ref: 'ErrorBody#' }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      if (!(await dispatcher.unsubscribe(request.params.id)))
        throw new TollgateError('TG_NOT_FOUND', { message: `No webhook subscription ${request.params.id}.` });
      return reply.status(204).send();
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit: number } }>(
    '/v1/webhooks/:id/deliveries',
    {
      onRequest: operate,
      schema: {
        summary: 'Delivery log of a subscription',
        tags: ['webhooks'],
        description: 'Scope `operate`. Newest first: state (pending, delivered, failed), attempts, last status and error, next attempt.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                event_id: { type: 'string' },
                event_type: { type: 'string' },
                state: { type: 'string' },
                attempts: { type: 'integer' },
                next_attempt_at: { type: 'integer' },
                last_status: { type: 'integer' },
                last_error: { type: 'string' },
                created_at: { type: 'integer' },
                updated_at: { type: 'integer' },
              },
            },
          },
          404: { $ref: 'ErrorBody#' },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      if (!dispatcher.subscriptions().some((s) => s.id === request.params.id)) {
        throw new TollgateError('TG_NOT_FOUND', { message: `No webhook subscription ${request.params.id}.` });
      }
      return dispatcher.deliveries(request.params.id, request.query.limit);
    },
  );
}
