import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth/require-scope.ts';
import { SCOPES, type Keyring, type Scope } from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';

const KEY_SUMMARY = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'integer' },
    revoked: { type: 'boolean' },
  },
} as const;

/** API key management (scope `admin`): the secret is shown once, at creation. */
export async function keyRoutes(app: FastifyInstance, opts: { keyring: Keyring }): Promise<void> {
  const auth = requireScope(opts.keyring, 'admin');

  app.get(
    '/v1/keys',
    {
      onRequest: auth,
      schema: {
        summary: 'List API keys',
        tags: ['admin'],
        description: 'Scope `admin`.',
        response: { 200: { type: 'array', items: KEY_SUMMARY }, ...ERROR_RESPONSES },
      },
    },
    async () => opts.keyring.list(),
  );

  app.post<{ Body: { name: string; scopes: Scope[] } }>(
    '/v1/keys',
    {
      onRequest: auth,
      schema: {
        summary: 'Create an API key',
        tags: ['admin'],
        description: 'Scope `admin`. The key is in the response and nowhere else: store it now.',
        body: {
          type: 'object',
          required: ['name', 'scopes'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f]+$' },
            scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...SCOPES] } },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: { id: { type: 'string' }, key: { type: 'string' }, scopes: { type: 'array', items: { type: 'string' } } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const created = await opts.keyring.create(request.body.name, request.body.scopes);
      return reply.status(201).send({ ...created, scopes: request.body.scopes });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/keys/:id',
    {
      onRequest: auth,
      schema: {
        summary: 'Revoke an API key',
        tags: ['admin'],
        description: 'Scope `admin`. Revocation takes effect at once on this instance, within 30 s on others.',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f]{16}$' } } },
        response: { 204: { type: 'null' }, 404: { $ref: 'ErrorBody#' }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      if (!(await opts.keyring.revoke(request.params.id))) {
        throw new TollgateError('TG_NOT_FOUND', { message: `No active API key with id ${request.params.id}.` });
      }
      return reply.status(204).send();
    },
  );
}
