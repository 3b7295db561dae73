import type { FastifyInstance } from 'fastify';
import type { Budget } from '@tollgate/detector';
import type { Store } from '@tollgate/store';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import { spendReport } from '@tollgate/spend';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';
import { parseTime } from './traffic.routes.ts';

const DAY_MS = 86_400_000;
/** A quarter: longer ranges are the data warehouse's job. */
const MAX_RANGE_MS = 92 * DAY_MS;
/** A year of months reconciled at most. */
const MAX_RECONCILIATION_MONTHS = 12;
const MONTH_ROW = { type: 'string', description: 'YYYY-MM (UTC)' } as const;

const LINE = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      key: { type: 'string' },
      sends: { type: 'integer' },
      spendUsd: { type: 'number' },
      billedUsd: { type: 'number' },
      billedMessages: { type: 'integer' },
    },
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
    byProviderCountry: {
      ...LINE,
      description: 'Keys "provider country": billed against estimated where a bill departs from the price list.',
    },
    month: {
      type: 'object',
      properties: {
        start: { type: 'string', format: 'date-time' },
        toDateUsd: { type: 'number' },
        forecastUsd: { type: 'number', description: "Month to date plus the last 24 hours' pace until the month ends." },
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
        commitments: {
          type: 'array',
          description:
            'Minimum monthly commitments in force this month (imported with POST /v1/spend/contracts) against the estimated spend.',
          items: {
            type: 'object',
            properties: {
              provider: { type: 'string' },
              label: { type: 'string' },
              monthlyMinimumUsd: { type: 'number' },
              effectiveFrom: { type: 'string', format: 'date-time' },
              toDateUsd: { type: 'number' },
              forecastUsd: { type: 'number' },
              forecastShare: { type: 'number' },
              shortfallUsd: {
                type: 'number',
                description: 'The minimum less the forecast: what the month costs for nothing at this pace.',
              },
            },
          },
        },
      },
    },
    reconciliation: {
      type: 'array',
      description:
        "Per calendar month (`reconciliation_months` months up to the one holding `to`; empty without it), provider and country: sends, the services' estimate, the rate card's price, what was billed. " +
        'A bill counts in the month of its send however late it arrives.',
      items: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          month: MONTH_ROW,
          provider: { type: 'string' },
          country: { type: 'string' },
          sends: { type: 'integer' },
          estimatedUsd: { type: 'number' },
          contractUsd: {
            type: ['number', 'null'],
            description: 'Sends priced with the rate card in force at their hour; null when no card covers them.',
          },
          unpricedSends: { type: 'integer' },
          expectedUsd: { type: 'number', description: 'The contract price where a card covers the sends, the estimate elsewhere.' },
          billedUsd: { type: 'number' },
          billedMessages: { type: 'integer' },
          billedShare: { type: 'number', description: 'Billed messages per send: under 1 while bills are still to come.' },
          differenceUsd: { type: 'number', description: 'Billed less expected.' },
        },
      },
    },
  },
} as const;

/** `GET /v1/spend`: finance's page and the daily digest read the same report. */
export async function spendRoutes(
  app: FastifyInstance,
  opts: { store: Store; keyring: Keyring; budgets: readonly Budget[]; clock?: () => number },
): Promise<void> {
  const clock = opts.clock ?? Date.now;
  app.get<{ Querystring: { from?: string; to?: string; reconciliation_months?: number } }>(
    '/v1/spend',
    {
      onRequest: requireScope(opts.keyring, 'read'),
      schema: {
        summary: 'Spend by country, provider and app, against budgets',
        tags: ['spend'],
        description:
          'Scope `read`. Estimated and billed spend in the range (default: the last 24 hours; ISO-8601 or epoch ms, at most 92 days) by country, provider, app and ' +
          "provider × country, the current month against the budgets of alert-rules/budgets.yaml and the providers' minimum commitments with a month-end forecast, " +
          'and, when `reconciliation_months` is given, each contract reconciled per month for that many months up to the one holding `to` ' +
          '(the current one and the two before hold most late bills).',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string' },
            to: { type: 'string' },
            reconciliation_months: { type: 'integer', minimum: 0, maximum: MAX_RECONCILIATION_MONTHS, default: 0 },
          },
        },
        response: { 200: REPORT, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const nowMs = clock();
      const toMs = request.query.to === undefined ? nowMs : parseTime(request.query.to, 'to');
      const fromMs = request.query.from === undefined ? toMs - DAY_MS : parseTime(request.query.from, 'from');
      if (fromMs >= toMs) throw new TollgateError('TG_REQUEST_INVALID', { field: 'from', message: '"from" must be before "to".' });
      if (toMs - fromMs > MAX_RANGE_MS)
        throw new TollgateError('TG_REQUEST_INVALID', {
          field: 'from',
          message: 'The range is longer than 92 days: ask for a shorter one.',
        });
      const report = await spendReport(opts.store, {
        fromMs,
        toMs,
        nowMs,
        budgets: opts.budgets,
        reconciliationMonths: request.query.reconciliation_months,
      });
      const { startMs, commitments, ...month } = report.month;
      return {
        ...report,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        month: {
          start: new Date(startMs).toISOString(),
          ...month,
          commitments: commitments.map(({ effectiveFromMs, ...commitment }) => ({
            ...commitment,
            effectiveFrom: new Date(effectiveFromMs).toISOString(),
          })),
        },
      };
    },
  );
}
