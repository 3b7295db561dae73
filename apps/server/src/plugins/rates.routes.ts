import type { FastifyInstance } from 'fastify';
import { listProviderCommitments, listRateCards, type Store } from '@tollgate/store';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { importContracts } from '@tollgate/spend';
import { TollgateError } from '../errors.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';

const REJECTION = {
  type: 'object',
  properties: { line: { type: 'integer' }, field: { type: 'string' }, reason: { type: 'string' } },
} as const;

const IMPORT_RESPONSE = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['rate_card', 'commitments'] },
    accepted: { type: 'integer', description: 'Rows stored (a version already stored for the same route and date is replaced).' },
    rejected: { type: 'array', items: REJECTION },
  },
} as const;

const CONTRACTS_RESPONSE = {
  type: 'object',
  properties: {
    rateCards: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          provider: { type: 'string' },
          country: { type: 'string' },
          effectiveFrom: { type: 'string', format: 'date-time' },
          priceUsd: { type: 'number', description: 'Per message, all its segments.' },
          price: { type: 'number' },
          currency: { type: 'string' },
          source: { type: 'string' },
          importedAt: { type: 'string', format: 'date-time' },
        },
      },
    },
    commitments: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          provider: { type: 'string' },
          effectiveFrom: { type: 'string', format: 'date-time' },
          monthlyMinimumUsd: { type: 'number' },
          source: { type: 'string' },
          importedAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;

const NAME = { type: 'string', minLength: 1, maxLength: 64 } as const;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Provider contracts: rate cards and minimum monthly commitments, imported as CSV and listed with
 * their versions. Under /v1/spend because finance reads them there (GET /v1/spend reconciles
 * bills against them). Import needs `operate`; the CSV's text/csv parser is the collectors'.
 */
export async function rateRoutes(app: FastifyInstance, opts: { store: Store; keyring: Keyring; clock?: () => number }): Promise<void> {
  const clock = opts.clock ?? Date.now;
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post<{ Querystring: { source?: string } }>(
    '/v1/spend/contracts',
    {
      onRequest: requireScope(opts.keyring, 'operate'),
      schema: {
        summary: 'Import a rate card or minimum commitments (CSV)',
        tags: ['spend'],
        description:
          'Scope `operate`. Body (text/csv) with a header row. A rate card: provider, country, price (per message), effective_from ' +
          '(a date, or an ISO-8601 time on the hour), optional currency (default USD). Commitments: provider, monthly_minimum, ' +
          "effective_from (a month, 2026-12), optional currency. The card in force at a send's hour prices it; re-importing a " +
          'route and date replaces its price. Bad rows come back with line, field and reason; the good ones are stored.',
        consumes: ['text/csv'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { source: { ...NAME, maxLength: 200, description: 'File name kept with each row (default: api).' } },
        },
        response: { 200: IMPORT_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      if (typeof request.body !== 'string')
        throw new TollgateError('TG_CONTENT_TYPE', { message: 'Send the rate card or commitments as text/csv.' });
      const text = request.body;
      if (text.trim() === '')
        throw new TollgateError('TG_REQUEST_INVALID', {
          field: 'body',
          message: 'The CSV is empty: send a header row, then one rate or commitment per row.',
        });
      const result = await importContracts(opts.store, text, { source: request.query.source ?? 'api', nowMs: clock() });
      if (result.accepted === 0 && result.rejected.length > 0) {
        throw new TollgateError('TG_REQUEST_INVALID', {
          field: result.rejected[0]!.field || 'body',
          message: `No row of the ${result.kind === 'rate_card' ? 'rate card' : 'commitments file'} is valid: see details.rejected for each line, its field and the reason.`,
          details: { kind: result.kind, rejected: result.rejected },
        });
      }
      return result;
    },
  );

  app.get<{ Querystring: { provider?: string; country?: string } }>(
    '/v1/spend/contracts',
    {
      onRequest: requireScope(opts.keyring, 'read'),
      schema: {
        summary: 'Rate cards and minimum commitments, every version',
        tags: ['spend'],
        description:
          'Scope `read`. Rate card versions by provider, country and effective date (filter with provider, country), and every commitment version.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { provider: NAME, country: { type: 'string', pattern: '^[A-Z]{2}$' } },
        },
        response: { 200: CONTRACTS_RESPONSE, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const [cards, commitments] = await Promise.all([listRateCards(opts.store, request.query), listProviderCommitments(opts.store)]);
      return {
        rateCards: cards.map((c) => ({
          provider: c.provider,
          country: c.country,
          effectiveFrom: iso(c.effective_from),
          priceUsd: c.price_usd,
          price: c.price,
          currency: c.currency,
          source: c.source,
          importedAt: iso(c.imported_at),
        })),
        commitments: commitments
          .filter((c) => request.query.provider === undefined || c.provider === request.query.provider)
          .map((c) => ({
            provider: c.provider,
            effectiveFrom: iso(c.effective_from),
            monthlyMinimumUsd: c.monthly_minimum_usd,
            source: c.source,
            importedAt: iso(c.imported_at),
          })),
      };
    },
  );
}
