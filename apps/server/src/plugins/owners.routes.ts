import type { FastifyInstance } from 'fastify';
import { fromIncidentRecord, kindsWithoutOwner, ownerPerformance } from '@tollgate/alerting';
import { firstTimelineEntries, listIncidents, type Store } from '@tollgate/store';
import type { AlertingRuntime } from '../alerting-runtime.ts';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';

const DAY_MS = 86_400_000;
/** Enough for a month of a busy product's incidents; the measure reads no more. */
const MAX_INCIDENTS = 5_000;

const MEASURE = {
  type: 'object',
  required: ['measured'],
  properties: {
    measured: { type: 'integer' },
    medianMs: { type: 'number' },
    p90Ms: { type: 'number' },
    withinTarget: { type: 'number', description: 'Share within the target (0 to 1).' },
  },
} as const;

/**
 * `GET /v1/owners`: who acts when. Each owner's role and response targets from alert-rules, its
 * incidents of the last `days` with measured time to acknowledge and to mitigate, the open ones
 * past a target now, and the anomaly kinds no route gives an owner.
 */
export async function ownerRoutes(
  app: FastifyInstance,
  opts: { store: Store; keyring: Keyring; alerting: AlertingRuntime },
): Promise<void> {
  app.get<{ Querystring: { days: number } }>(
    '/v1/owners',
    {
      onRequest: requireScope(opts.keyring, 'read'),
      schema: {
        summary: 'Owners and their response times against their targets',
        tags: ['rules'],
        description:
          'Scope `read`. Per owner: role, targets (acknowledge, mitigate), incidents opened in the last `days` (default 30), time to acknowledge and to ' +
          'mitigate (first breaker trip or resolution) as median and p90 with the share within target, and open incidents past a target now.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { days: { type: 'integer', minimum: 1, maximum: 92, default: 30 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'owners', 'unownedKinds'],
            properties: {
              from: { type: 'string', format: 'date-time' },
              to: { type: 'string', format: 'date-time' },
              owners: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['owner', 'role', 'targets', 'incidents', 'open', 'acknowledge', 'mitigate', 'overdue'],
                  properties: {
                    owner: { type: 'string' },
                    role: { type: 'string' },
                    targets: { type: 'object', properties: { acknowledgeMs: { type: 'integer' }, mitigateMs: { type: 'integer' } } },
                    incidents: { type: 'integer' },
                    open: { type: 'integer' },
                    acknowledge: MEASURE,
                    mitigate: MEASURE,
                    overdue: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['incidentId', 'title', 'target', 'overdueMs'],
                        properties: {
                          incidentId: { type: 'string' },
                          title: { type: 'string' },
                          target: { type: 'string', enum: ['acknowledge', 'mitigate'] },
                          overdueMs: { type: 'integer' },
                        },
                      },
                    },
                  },
                },
              },
              unownedKinds: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['kind', 'severities'],
                  properties: { kind: { type: 'string' }, severities: { type: 'array', items: { type: 'string' } } },
                },
              },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const config = opts.alerting.rules();
      if (config === undefined) throw new TollgateError('TG_RULES_UNAVAILABLE', { details: opts.alerting.rulesStatus().lastError });
      const toMs = opts.alerting.clock();
      const fromMs = toMs - request.query.days * DAY_MS;
      const records = await listIncidents(opts.store, { fromMs, limit: MAX_INCIDENTS });
      const trips = await firstTimelineEntries(
        opts.store,
        'breaker_tripped',
        records.map((record) => record.id),
      );
      const incidents = records.map((record) => {
        const incident = fromIncidentRecord(record, []);
        const firstTripAt = trips.get(record.id);
        return { ...incident, ...(firstTripAt === undefined ? {} : { firstTripAt }) };
      });
      return {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        owners: ownerPerformance([...config.owners.values()], incidents, toMs),
        unownedKinds: kindsWithoutOwner(config),
      };
    },
  );
}
