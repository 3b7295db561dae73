import type { FastifyInstance } from 'fastify';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import type { ServerMetrics } from '../metrics.ts';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export type Readiness = () => Promise<ReadinessReport>;

/**
 * Liveness and readiness for load balancers and orchestrators (no key: they carry none), and
 * Prometheus metrics (scope `read`: they describe the business's traffic).
 */
export async function opsRoutes(
  app: FastifyInstance,
  opts: { keyring: Keyring; metrics: ServerMetrics; readiness: Readiness },
): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['operations'],
        security: [],
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } },
      },
    },
    async () => ({ ok: true }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: store reachable and migrations applied',
        tags: ['operations'],
        security: [],
        response: {
          '2xx': {
            type: 'object',
            properties: {
              ready: { type: 'boolean' },
              checks: {
                type: 'object',
                additionalProperties: { type: 'object', properties: { ok: { type: 'boolean' }, detail: { type: 'string' } } },
              },
            },
          },
          503: {
            type: 'object',
            properties: {
              ready: { type: 'boolean' },
              checks: {
                type: 'object',
                additionalProperties: { type: 'object', properties: { ok: { type: 'boolean' }, detail: { type: 'string' } } },
              },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      const report = await opts.readiness();
      return reply.status(report.ready ? 200 : 503).send(report);
    },
  );

  app.get(
    '/metrics',
    {
      onRequest: requireScope(opts.keyring, 'read'),
      schema: {
        summary: 'Prometheus metrics',
        tags: ['operations'],
        description: 'Scope `read` (set `authorization` in the scrape config).',
      },
    },
    async (_request, reply) => {
      reply.header('Content-Type', opts.metrics.registry.contentType);
      return opts.metrics.registry.metrics();
    },
  );
}
