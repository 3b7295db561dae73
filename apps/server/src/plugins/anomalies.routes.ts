import type { FastifyInstance } from 'fastify';
import { ANOMALY_KINDS } from '@tollgate/vocabulary';
import { fromAnomalyRecord } from '@tollgate/detector';
import { getAnomaly, listAnomalies, type AnomalyFilters, type Store } from '@tollgate/store';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import { BREAKER_SCOPE_SCHEMA } from './breaker-view.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';
import { parseTime } from './traffic.routes.ts';

/** The store's filters, with the times as the caller writes them. */
type AnomalyQuery = Omit<AnomalyFilters, 'fromMs' | 'toMs'> & { from?: string; to?: string };

const ANOMALY_SCHEMA = {
  type: 'object',
  required: ['id', 'kind', 'state', 'scope', 'severity', 'observed', 'expected', 'summary', 'windowStartMs', 'windowEndMs'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...ANOMALY_KINDS] },
    state: { type: 'string', enum: ['open', 'resolved'] },
    scope: BREAKER_SCOPE_SCHEMA,
    severity: { type: 'string' },
    action: {
      type: 'string',
      enum: ['block', 'challenge', 'alert'],
      description: 'What the detector suggests; breaker policies decide what trips.',
    },
    score: { type: 'number' },
    observed: { type: 'number' },
    expected: { type: 'number' },
    band: { type: 'object', properties: { low: { type: 'number' }, high: { type: 'number' } } },
    unit: { type: 'string' },
    costPerHourUsd: { type: 'number', description: 'Money at stake per hour (USD).' },
    summary: { type: 'string' },
    windowStartMs: { type: 'integer' },
    windowEndMs: { type: 'integer' },
    openedAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
    resolvedAt: { type: 'integer' },
    contributors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['dimension', 'value', 'count', 'share'],
        properties: {
          dimension: { type: 'string' },
          value: { type: 'string' },
          count: { type: 'number' },
          share: { type: 'number' },
          label: { type: 'string' },
        },
      },
    },
    facts: { type: 'object', additionalProperties: true },
  },
} as const;

const SERIES_SCHEMA = {
  type: 'array',
  description:
    'Per-minute sends of the scope with the baseline band, for charts; a minute before the scope had a baseline has no expected value or band.',
  items: {
    type: 'object',
    required: ['ts', 'observed'],
    properties: {
      ts: { type: 'integer' },
      observed: { type: 'number' },
      expected: { type: 'number' },
      low: { type: 'number' },
      high: { type: 'number' },
    },
  },
} as const;

/** `GET /v1/anomalies` and `GET /v1/anomalies/:id`: what the detector found, with its evidence. */
export async function anomalyRoutes(app: FastifyInstance, opts: { store: Store; keyring: Keyring }): Promise<void> {
  const read = requireScope(opts.keyring, 'read');

  app.get<{ Querystring: AnomalyQuery }>(
    '/v1/anomalies',
    {
      onRequest: read,
      schema: {
        summary: 'Anomalies found by the detector',
        tags: ['anomalies'],
        description:
          'Scope `read`. Most recently updated first. `from`/`to` keep the anomalies active at some time in the range ' +
          "(ISO-8601 or epoch ms); the scope filters match the anomaly's scope fields exactly.",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: ['open', 'resolved'] },
            kind: { type: 'string', enum: [...ANOMALY_KINDS] },
            app: { type: 'string', maxLength: 64 },
            flow: { type: 'string', maxLength: 32 },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            prefix: { type: 'string', maxLength: 32 },
            asn: { type: 'integer', minimum: 0, maximum: 4294967295 },
            provider: { type: 'string', maxLength: 64 },
            from: { type: 'string' },
            to: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: {
          200: { type: 'object', required: ['anomalies'], properties: { anomalies: { type: 'array', items: ANOMALY_SCHEMA } } },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const fromMs = q.from === undefined ? undefined : parseTime(q.from, 'from');
      const toMs = q.to === undefined ? undefined : parseTime(q.to, 'to');
      if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
        throw new TollgateError('TG_REQUEST_INVALID', { field: 'from', message: '"from" must be before "to".' });
      }
      const records = await listAnomalies(opts.store, { ...q, fromMs, toMs });
      return { anomalies: records.map((record) => fromAnomalyRecord(record)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/anomalies/:id',
    {
      onRequest: read,
      schema: {
        summary: 'One anomaly with its evidence series',
        tags: ['anomalies'],
        description:
          'Scope `read`. The anomaly, its contributors (drill-down) and the per-minute series of its scope against the baseline band.',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^an_[0-9a-f]{20}$' } } },
        response: {
          200: { type: 'object', required: ['anomaly', 'series'], properties: { anomaly: ANOMALY_SCHEMA, series: SERIES_SCHEMA } },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const record = await getAnomaly(opts.store, request.params.id);
      if (!record) throw new TollgateError('TG_NOT_FOUND', { field: 'id', message: `No anomaly "${request.params.id}".` });
      const { series, ...anomaly } = fromAnomalyRecord(record);
      return { anomaly, series };
    },
  );
}
