import type { FastifyInstance } from 'fastify';
import type { Budget } from '@tollgate/detector';
import type { Store } from '@tollgate/store';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '../auth/keyring.ts';
import { TollgateError } from '../errors.ts';
import { spendReport } from '../spend-report.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';
import { parseTime } from './traffic.routes.ts';

const DAY_MS = 86_400_000;
/** A quarter: longer ranges are the data warehouse's job. */
const MAX_RANGE_MS = 92 * DAY_MS;

const LINE = {
  type: 'array',
  items: {
    type: 'object',
    properties: { key: { type: 'string' }, sends: { type: 'integer' }, spendUsd: { type: 'number' }, billedUsd: { type: 'number' }, billedMessages: { type: 'integer' } },
  },
} as const;

const REPORT = {
  type: 'object',
  properties: {
    currency: { type: 'string' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    totalUsd: { type: 'number', description: 'Estimated spend in the range (USD).' },
    billedUsd: { type: 'number', description: 'Billed so far for the range (bills arrive days later).' },
    sends: { type: 'integer' },
    byCountry: LINE,
    byProvider: LINE,
    byApp: LINE,
    byProviderCountry: { ...LINE, description: 'Keys "provider country": billed against estimated where a bill departs from the price list.' },
    month: {
      type: 'object',
      properties: {
        start: { type: 'string', format: 'date-time' },
        toDateUsd: { type: 'number' },
        forecastUsd: { type: 'number', description: 'Month to date plus the last 24 hours\' pace until the month ends.' },
        budgets: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              scope: { type: 'object', additionalProperties: { type: 'string' } },
              label: { type: 'string' },
              monthlyUsd: { type: 'number' },
              toDateUsd: { type: 'number' },
              forecastUsd: { type: 'number' },
              forecastShare: { type: 'number' },
            },
          },
        },
      },
    },
  },
} as const;

/** `GET /v1/spend`: finance's page and the daily digest read the same report. */
export async function spendRoutes(app: FastifyInstance, opts: { store: Store; keyring: Keyring; budgets: readonly Budget[]; clock?: () => number }): Promise<void> {
  const clock = opts.clock ?? Date.now;
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/v1/spend',
    {
      onRequest: requireScope(opts.keyring, 'read'),
      schema: {
        summary: 'Spend by country, provider and app, against budgets',
        tags: ['spend'],
        description:
          'Scope `read`. Estimated and billed spend in the range (default: the last 24 hours; ISO-8601 or epoch ms, at most 92 days) by country, provider, app and ' +
          'provider × country, and the current month against the budgets of alert-rules/budgets.yaml with a month-end forecast.',
        querystring: { type: 'object', additionalProperties: false, properties: { from: { type: 'string' }, to: { type: 'string' } } },
        response: { 200: REPORT, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const nowMs = clock();
      const toMs = request.query.to === undefined ? nowMs : parseTime(request.query.to, 'to');
      const fromMs = request.query.from === undefined ? toMs - DAY_MS : parseTime(request.query.from, 'from');
      if (fromMs >= toMs) throw new TollgateError('TG_REQUEST_INVALID', { field: 'from', message: '"from" must be before "to".' });
      if (toMs - fromMs > MAX_RANGE_MS) throw new TollgateError('TG_REQUEST_INVALID', { field: 'from', message: 'The range is longer than 92 days: ask for a shorter one.' });
      const report = await spendReport(opts.store, { fromMs, toMs, nowMs, budgets: opts.budgets });
      const { startMs, ...month } = report.month;
      return { ...report, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), month: { start: new Date(startMs).toISOString(), ...month } };
    },
  );
}
