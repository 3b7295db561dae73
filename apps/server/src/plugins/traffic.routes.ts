import type { FastifyInstance } from 'fastify';
import {
  decisionSeries,
  DELIVERY_DIMENSIONS,
  deliveryErrors,
  deliverySeries,
  isTrafficMeasure,
  TRAFFIC_DIMENSIONS,
  TRAFFIC_MEASURES,
  TRAFFIC_RANK_MEASURES,
  trafficSeries,
  type DeliveryDimension,
  type Store,
  type TrafficDimension,
  type TrafficMeasure,
  type TrafficRankMeasure,
} from '@tollgate/store';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';

const INTERVAL_MINUTES = { '1m': 1, '1h': 60, '1d': 1440 } as const;
type Interval = keyof typeof INTERVAL_MINUTES;

// A chart never needs more points than this; past it the caller should pick a coarser interval.
const MAX_BUCKETS = 20_000;
const DEFAULT_RANGE_MS = 24 * 3_600_000;

interface TrafficQuery {
  from?: string;
  to?: string;
  interval: Interval;
  group_by?: TrafficDimension;
  limit: number;
  rank_by?: TrafficRankMeasure;
  app?: string;
  flow?: string;
  country?: string;
  prefix?: string;
  asn?: string;
  provider?: string;
  fields?: string;
}

/**
 * The fields a traffic point can hold: the store's measures, and conversion, which the route
 * divides from two of them (so asking for it reads those two).
 */
const CONVERSION_PARTS: readonly TrafficMeasure[] = ['sessions', 'verified_sessions'];
const TRAFFIC_FIELDS: readonly string[] = [...Object.keys(TRAFFIC_MEASURES), 'conversion'];

/** The range and bucket every metrics route takes, and echoes in its answer. */
const RANGE_QUERY = {
  from: { type: 'string', description: 'Start (inclusive), ISO-8601 or epoch ms.' },
  to: { type: 'string', description: 'End (exclusive), ISO-8601 or epoch ms.' },
  interval: { type: 'string', enum: Object.keys(INTERVAL_MINUTES), default: '1h' },
} as const;
const RANGE_ANSWER = { from: { type: 'integer' }, to: { type: 'integer' }, interval: { type: 'string' } } as const;

const POINT_SCHEMA = {
  type: 'object',
  required: ['ts'],
  properties: {
    ts: { type: 'integer', description: 'Bucket start, epoch ms (UTC).' },
    sends: { type: 'integer' },
    failed_sends: { type: 'integer' },
    phones: { type: 'integer', description: 'Distinct phone numbers (approximate above ~65k).' },
    sessions: { type: 'integer', description: 'Sessions whose first send is in the bucket.' },
    verified_sessions: {
      type: 'integer',
      description: 'Of those sessions, the ones a successful verify followed (counted in the bucket of the first send).',
    },
    conversion: { type: ['number', 'null'], description: 'verified_sessions / sessions; null without sessions.' },
    verify_attempts: { type: 'integer' },
    verify_failures: { type: 'integer' },
    cost_est_usd: { type: 'number' },
    cost_billed_usd: { type: 'number' },
    billed_messages: { type: 'integer' },
    receipts_delivered: { type: 'integer' },
    receipts_failed: { type: 'integer' },
  },
} as const;

/**
 * `GET /v1/metrics/traffic` (series from the per-minute rollup) and `GET /v1/metrics/decisions`
 * (what the decision API allowed and stopped, and the money that saved), for the dashboard and users.
 */
export async function trafficRoutes(app: FastifyInstance, opts: { store: Store; keyring: Keyring }): Promise<void> {
  trafficSeriesRoute(app, opts);
  decisionSeriesRoute(app, opts);
}

/** Sends, sessions, conversion and cost per bucket, grouped by a dimension, with only the fields asked computed. */
function trafficSeriesRoute(app: FastifyInstance, opts: { store: Store; keyring: Keyring }): void {
  app.get<{ Querystring: TrafficQuery }>(
    '/v1/metrics/traffic',
    {
      onRequest: requireScope(opts.keyring, 'read'),
      schema: {
        summary: 'Traffic, conversion and cost series',
        tags: ['query'],
        description:
          'Scope `read`. Sends, sessions, verified sessions, conversion, failed sends, estimated and billed cost per ' +
          'time bucket, optionally per group (the largest `limit` groups by `rank_by`: sends, or the cost a chart of spend shows). Times are ISO-8601 or epoch ms; ' +
          'the default range is the last 24 hours. Verifies and bills count in the bucket of their send.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...RANGE_QUERY,
            group_by: { type: 'string', enum: [...TRAFFIC_DIMENSIONS] },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 },
            rank_by: {
              type: 'string',
              enum: [...TRAFFIC_RANK_MEASURES],
              default: 'sends',
              description:
                'With `group_by`: the measure the largest `limit` groups are picked by. Rank by the measure shown: a spend chart ranked by sends hides a quiet, expensive country.',
            },
            app: { type: 'string', maxLength: 64 },
            flow: { type: 'string', maxLength: 32 },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            prefix: { type: 'string', maxLength: 32 },
            asn: { type: 'string', pattern: '^[0-9]{1,10}$' },
            provider: { type: 'string', maxLength: 64 },
            fields: {
              type: 'string',
              maxLength: 512,
              description:
                `Comma-separated fields each point holds (besides \`ts\`), of ${TRAFFIC_FIELDS.join(', ')}; all of them when absent. ` +
                'Only the fields asked are computed: leave out `phones` (a distinct count) unless it is shown.',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'series'],
            properties: {
              ...RANGE_ANSWER,
              group_by: { type: ['string', 'null'] },
              series: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['key', 'points'],
                  properties: { key: { type: 'string' }, points: { type: 'array', items: POINT_SCHEMA } },
                },
              },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const { fromMs, toMs, intervalMinutes } = timeRange(q);
      const fields = trafficFields(q.fields);
      const conversion = fields.includes('conversion');
      const points = await trafficSeries(opts.store, {
        fromMs,
        toMs,
        intervalMinutes,
        groupBy: q.group_by,
        limit: q.limit,
        rankBy: q.rank_by,
        filters: { app: q.app, flow: q.flow, country: q.country, prefix: q.prefix, asn: q.asn, provider: q.provider },
        measures: [...fields.filter(isTrafficMeasure), ...(conversion ? CONVERSION_PARTS : [])],
      });
      const series = toSeries(points, (p) => {
        const point: Record<string, number | null> = { ts: p.ts };
        for (const field of fields)
          point[field] = field === 'conversion' ? (p.sessions > 0 ? p.verified_sessions / p.sessions : null) : p[field as TrafficMeasure];
        return point;
      });
      return { from: fromMs, to: toMs, interval: q.interval, group_by: q.group_by ?? null, series };
    },
  );
}

/** Decisions per bucket (allowed, challenged, blocked, shadow-blocked) and the spend they saved. */
function decisionSeriesRoute(app: FastifyInstance, opts: { store: Store; keyring: Keyring }): void {
  app.get<{ Querystring: Pick<TrafficQuery, 'from' | 'to' | 'interval' | 'app'> }>(
    '/v1/metrics/decisions',
    {
      onRequest: requireScope(opts.keyring, 'read'),
      schema: {
        summary: 'Decisions and money saved',
        tags: ['query'],
        description:
          'Scope `read`. Decisions of `/v1/decide` per time bucket (allowed, challenged, blocked, blocked in shadow) and ' +
          "the estimated spend saved: blocked sends priced at the hour's average cost of a send to the same prefix.",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...RANGE_QUERY,
            app: { type: 'string', maxLength: 64 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['points'],
            properties: {
              ...RANGE_ANSWER,
              points: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['ts', 'allowed', 'challenged', 'blocked', 'shadow_blocked', 'saved_usd'],
                  properties: {
                    ts: { type: 'integer' },
                    allowed: { type: 'integer' },
                    challenged: { type: 'integer' },
                    blocked: { type: 'integer' },
                    shadow_blocked: { type: 'integer' },
                    saved_usd: { type: 'number' },
                  },
                },
              },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { fromMs, toMs, intervalMinutes } = timeRange(request.query);
      const points = await decisionSeries(opts.store, { fromMs, toMs, intervalMinutes, app: request.query.app });
      return { from: fromMs, to: toMs, interval: request.query.interval, points };
    },
  );
}

interface DeliveryQuery {
  from?: string;
  to?: string;
  interval: Interval;
  group_by?: DeliveryDimension;
  limit: number;
  country?: string;
  provider?: string;
  carrier?: string;
  app?: string;
}

const DELIVERY_POINT_SCHEMA = {
  type: 'object',
  properties: {
    ts: { type: 'integer', description: 'Bucket start (the send time), epoch ms (UTC).' },
    receipts: { type: 'integer', description: 'Receipts in a final state (delivered, undelivered, failed, unknown).' },
    delivered: { type: 'integer' },
    undelivered: { type: 'integer' },
    failed: { type: 'integer' },
    unknown: { type: 'integer' },
    delivered_share: { type: ['number', 'null'], description: 'delivered / receipts; null without receipts.' },
    p50_ms: { type: ['number', 'null'], description: 'Send to delivered receipt; null without a timed delivery.' },
    p90_ms: { type: ['number', 'null'] },
    p99_ms: { type: ['number', 'null'] },
  },
} as const;

/**
 * `GET /v1/metrics/delivery`: delivery success and latency (P50, P90, P99 from t-digest states) by
 * country, provider, carrier or app, and the providers' error codes ranked: the messaging-vendor
 * owner's view of delivery time, by the quantiles that owner monitors.
 */
export async function deliveryRoutes(app: FastifyInstance, opts: { store: Store; keyring: Keyring }): Promise<void> {
  app.get<{ Querystring: DeliveryQuery }>(
    '/v1/metrics/delivery',
    {
      onRequest: requireScope(opts.keyring, 'read'),
      schema: {
        summary: 'Delivery success and latency by country, provider and carrier',
        tags: ['query'],
        description:
          "Scope `read`. Buckets by send time; carrier is the receipt's mobile network code (MCC-MNC) or the number's carrier prefix. " +
          'Latency percentiles merge exactly across buckets (t-digest states), they are not averages of minutes. `errors` ranks the provider ' +
          'error codes of undelivered and failed receipts in the range.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...RANGE_QUERY,
            group_by: { type: 'string', enum: [...DELIVERY_DIMENSIONS] },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            provider: { type: 'string', maxLength: 64 },
            carrier: { type: 'string', maxLength: 32 },
            app: { type: 'string', maxLength: 64 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              ...RANGE_ANSWER,
              series: {
                type: 'array',
                items: { type: 'object', properties: { key: { type: 'string' }, points: { type: 'array', items: DELIVERY_POINT_SCHEMA } } },
              },
              errors: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    provider: { type: 'string' },
                    country: { type: 'string' },
                    error_code: { type: 'string' },
                    receipts: { type: 'integer' },
                    share: { type: 'number' },
                  },
                },
              },
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const { fromMs, toMs, intervalMinutes } = timeRange(q);
      const filters = { country: q.country, provider: q.provider, carrier: q.carrier, app: q.app };
      const points = await deliverySeries(opts.store, { fromMs, toMs, intervalMinutes, groupBy: q.group_by, limit: q.limit, filters });
      const errors = await deliveryErrors(opts.store, { fromMs, toMs, limit: 20, filters: { country: q.country, provider: q.provider } });
      return {
        from: fromMs,
        to: toMs,
        interval: q.interval,
        series: toSeries(points, (p) => ({ ...p, delivered_share: p.receipts > 0 ? p.delivered / p.receipts : null })),
        errors,
      };
    },
  );
}

/** The query's range and bucket size, validated: from before to, and not more buckets than a chart needs. */
function timeRange(q: { from?: string; to?: string; interval: Interval }): { fromMs: number; toMs: number; intervalMinutes: number } {
  const toMs = q.to === undefined ? Date.now() : parseTime(q.to, 'to');
  const fromMs = q.from === undefined ? toMs - DEFAULT_RANGE_MS : parseTime(q.from, 'from');
  if (fromMs >= toMs) throw new TollgateError('TG_REQUEST_INVALID', { field: 'from', message: '"from" must be before "to".' });
  const intervalMinutes = INTERVAL_MINUTES[q.interval];
  if ((toMs - fromMs) / (intervalMinutes * 60_000) > MAX_BUCKETS) {
    throw new TollgateError('TG_REQUEST_INVALID', {
      field: 'interval',
      message: `The range holds more than ${MAX_BUCKETS} ${q.interval} buckets: choose a coarser interval or a shorter range.`,
    });
  }
  return { fromMs, toMs, intervalMinutes };
}

/** Rows of a grouped query as one series per group key, each point as `shape` makes it (with its derived ratio). */
function toSeries<P extends { key: string }>(
  points: readonly P[],
  shape: (point: Omit<P, 'key'>) => object,
): { key: string; points: object[] }[] {
  const byKey = new Map<string, object[]>();
  for (const { key, ...point } of points) {
    const list = byKey.get(key) ?? [];
    list.push(shape(point));
    byKey.set(key, list);
  }
  return [...byKey].map(([key, list]) => ({ key, points: list }));
}

/** The fields asked for (`fields`, comma-separated); every field when absent. */
function trafficFields(value: string | undefined): readonly string[] {
  if (value === undefined) return TRAFFIC_FIELDS;
  const names = [...new Set(value.split(','))];
  const unknown = names.filter((name) => !TRAFFIC_FIELDS.includes(name));
  if (unknown.length > 0) {
    throw new TollgateError('TG_REQUEST_INVALID', {
      field: 'fields',
      message: `"fields" names ${unknown.map((name) => JSON.stringify(name)).join(', ')}, which a traffic point does not have: choose among ${TRAFFIC_FIELDS.join(', ')}.`,
      details: { unknown, allowed: TRAFFIC_FIELDS },
    });
  }
  return names;
}

export function parseTime(value: string, field: string): number {
  // Through Date, epoch ms past its range (±8.64e15, and 1e20 would overflow the store's Int64
  // parameter) become NaN and are refused like an unreadable ISO time.
  const ms = /^\d+$/.test(value) ? new Date(Number(value)).getTime() : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new TollgateError('TG_REQUEST_INVALID', {
      field,
      message: `"${field}" must be an ISO-8601 time (2026-11-24T10:00:00Z) or epoch milliseconds.`,
    });
  }
  return ms;
}
