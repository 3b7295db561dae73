import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  EVENT_SCHEMAS,
  MAX_BATCH_EVENTS,
  parseBillingCsv,
  twilioStatusToReceipt,
  verifyTwilioSignature,
  vonageDlrToReceipt,
  type BatchFormat,
  type EventKind,
  type Rejection,
} from '@tollgate/events';
import {
  BatchInterruptedError,
  PARSE_ON_EVENT_LOOP,
  type BatchPreparer,
  type IngestResult,
  type Ingestor,
  type SubmitItem,
} from '@tollgate/ingest';
import type { AppConfig } from '../build-app.ts';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import { inflateGzipBody } from './gzip-body.ts';
import { ERROR_RESPONSES, INGEST_RESPONSE_SCHEMA } from './ingest-response.schema.ts';

// When the store refuses a write, clients back off this long before retrying.
const STORE_RETRY_AFTER_S = 5;

const EVENT_ROUTES: { kind: EventKind; path: string; summary: string }[] = [
  { kind: 'send', path: '/v1/events/send', summary: 'Ingest OTP send events' },
  { kind: 'verify', path: '/v1/events/verify', summary: 'Ingest OTP verify outcomes' },
  { kind: 'billing', path: '/v1/events/billing', summary: 'Ingest provider billing lines' },
  { kind: 'receipt', path: '/v1/events/receipt', summary: 'Ingest delivery receipts in the generic form' },
];

const NDJSON = 'application/x-ndjson';

/** Stores a parsed batch of one kind and answers what the route returns, or throws the catalogue's error. */
type StoreBatch = (
  kind: EventKind,
  batch: { events: number; items: SubmitItem[]; rejected: Rejection[] },
  reply: FastifyReply,
) => Promise<{ accepted: number; duplicates: number; rejected: Rejection[] }>;

type Auth = ReturnType<typeof requireScope>;

/**
 * The collectors: batches of events (JSON array or NDJSON, optionally gzip), providers' native
 * delivery callbacks, and billing CSV imports. Every route needs the `ingest` scope and answers
 * only once the events it counts as accepted are durable in the store.
 */
export async function collectorRoutes(
  app: FastifyInstance,
  opts: { ingestor: Ingestor; batches?: BatchPreparer; keyring: Keyring; config: AppConfig },
): Promise<void> {
  const auth = requireScope(opts.keyring, 'ingest');
  const store = storeBatch(opts.ingestor);
  registerBodyParsers(app);
  registerEventRoutes(app, auth, store, opts.batches ?? PARSE_ON_EVENT_LOOP);
  registerBillingImport(app, auth, store);
  registerProviderCallbacks(app, auth, store, opts.config);
}

function registerBodyParsers(app: FastifyInstance): void {
  // Batches are parsed line by line by the events package, so they arrive here as text.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', NDJSON, 'text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.addHook('preParsing', inflateGzipBody);
}

function storeBatch(ingestor: Ingestor): StoreBatch {
  return async (kind, { events, items, rejected: parseRejected }, reply) => {
    if (events > MAX_BATCH_EVENTS) {
      throw new TollgateError('TG_BATCH_TOO_LARGE', {
        message: `A batch holds at most ${MAX_BATCH_EVENTS} events (this one has ${events}): split it.`,
      });
    }
    if (items.length === 0 && parseRejected.length === 0) throw new TollgateError('TG_BATCH_EMPTY');
    let result: IngestResult;
    try {
      result = await ingestor.submit(kind, items);
    } catch (error) {
      reply.log.error({ err: error, kind }, 'store write failed; batch not acknowledged');
      throw new TollgateError('TG_STORE_UNAVAILABLE', { retryAfterS: STORE_RETRY_AFTER_S });
    }
    if (!result.ok) throw new TollgateError('TG_OVERLOADED', { retryAfterS: result.retryAfterS });
    const rejected = [...parseRejected, ...result.rejected].sort((a, b) => a.line - b.line);
    if (result.accepted + result.duplicates === 0) {
      throw new TollgateError('TG_EVENT_INVALID', { details: { rejected } });
    }
    return { accepted: result.accepted, duplicates: result.duplicates, rejected };
  };
}

function registerEventRoutes(app: FastifyInstance, auth: Auth, store: StoreBatch, batches: BatchPreparer): void {
  for (const route of EVENT_ROUTES) {
    app.post(
      route.path,
      {
        onRequest: auth,
        // The batch is validated line by line (so one bad line does not sink the others); the
        // schema below documents the body and is not used to reject it.
        validatorCompiler: () => () => true,
        schema: {
          summary: route.summary,
          tags: ['collectors'],
          description:
            `Scope \`ingest\`. Body: a JSON array of ${route.kind} events or NDJSON (\`${NDJSON}\`), at most ` +
            `${MAX_BATCH_EVENTS} events, gzip accepted. Valid lines are stored even when others are rejected; ` +
            'a re-sent event_id is counted once.',
          consumes: ['application/json', NDJSON],
          body: { type: 'array', maxItems: MAX_BATCH_EVENTS, items: withoutId(EVENT_SCHEMAS[route.kind]) },
          response: { 200: INGEST_RESPONSE_SCHEMA, ...ERROR_RESPONSES },
        },
      },
      async (request: FastifyRequest, reply) => {
        const body = typeof request.body === 'string' ? request.body : '';
        // An empty body is an empty batch, in JSON as in NDJSON (not a JSON syntax error).
        if (body.trim() === '') throw new TollgateError('TG_BATCH_EMPTY');
        const format = (request.headers['content-type'] ?? '').startsWith(NDJSON) ? 'ndjson' : 'json';
        return store(route.kind, await prepare(batches, route.kind, body, format, reply), reply);
      },
    );
  }
}

function registerBillingImport(app: FastifyInstance, auth: Auth, store: StoreBatch): void {
  app.post(
    '/v1/imports/billing',
    {
      onRequest: auth,
      schema: {
        summary: 'Import a provider billing CSV export',
        tags: ['collectors'],
        description:
          'Scope `ingest`. Body: CSV with a header row (event_id or message_id, ts, provider, country, cost; ' +
          'optional phone_prefix, segments, currency). Lines already imported are counted as duplicates.',
        consumes: ['text/csv'],
        response: { 200: INGEST_RESPONSE_SCHEMA, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const text = typeof request.body === 'string' ? request.body : '';
      if (text.trim() === '')
        throw new TollgateError('TG_BATCH_EMPTY', { message: 'The CSV is empty: send a header row, then one billing line per row.' });
      const parsed = parseBillingCsv(text);
      return store('billing', { events: parsed.items.length + parsed.rejected.length, ...parsed }, reply);
    },
  );
}

function registerProviderCallbacks(app: FastifyInstance, auth: Auth, store: StoreBatch, config: AppConfig): void {
  async function storeReceipt(translated: ReturnType<typeof twilioStatusToReceipt>, reply: FastifyReply) {
    if (!translated.ok) throw new TollgateError('TG_EVENT_INVALID', { details: { rejected: translated.rejected } });
    return store('receipt', { events: 1, items: [{ line: 1, value: translated.receipt }], rejected: [] }, reply);
  }

  app.post(
    '/v1/providers/twilio/status',
    {
      onRequest: auth,
      schema: {
        summary: 'Twilio message status callback',
        tags: ['providers'],
        description:
          'Scope `ingest` (put the key in the callback URL as HTTP basic auth password or send a bearer header). ' +
          'Form-encoded as Twilio sends it. When TWILIO_AUTH_TOKEN is set, X-Twilio-Signature must match.',
        consumes: ['application/x-www-form-urlencoded'],
        response: { 200: INGEST_RESPONSE_SCHEMA, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const params = formParams(request.body);
      if (config.twilioAuthToken) {
        const url = `${config.publicUrl ?? `${request.protocol}://${request.host}`}${request.url}`;
        const signature = request.headers['x-twilio-signature'];
        if (typeof signature !== 'string' || !verifyTwilioSignature({ authToken: config.twilioAuthToken, url, params, signature })) {
          throw new TollgateError('TG_SIGNATURE_INVALID');
        }
      }
      return storeReceipt(twilioStatusToReceipt(params), reply);
    },
  );

  const vonageSchema = {
    summary: 'Vonage delivery receipt (DLR)',
    tags: ['providers'],
    description: 'Scope `ingest`. Vonage sends DLRs as GET query strings or POST (JSON or form); both are accepted.',
    response: { 200: INGEST_RESPONSE_SCHEMA, ...ERROR_RESPONSES },
  };
  app.get('/v1/providers/vonage/dlr', { onRequest: auth, schema: vonageSchema }, async (request, reply) =>
    storeReceipt(vonageDlrToReceipt(formParams(request.query)), reply),
  );
  app.post('/v1/providers/vonage/dlr', { onRequest: auth, schema: vonageSchema }, async (request, reply) => {
    const body = typeof request.body === 'string' ? safeJson(request.body) : request.body;
    return storeReceipt(vonageDlrToReceipt(formParams(body)), reply);
  });
}

/** The body as events; a batch lost on a worker thread is refused whole, like a write the store refused. */
async function prepare(batches: BatchPreparer, kind: EventKind, body: string, format: BatchFormat, reply: FastifyReply) {
  try {
    return await batches.prepare(kind, body, format);
  } catch (error) {
    if (!(error instanceof BatchInterruptedError)) throw error;
    reply.log.error({ err: error, kind }, 'batch lost while being parsed; not acknowledged');
    throw new TollgateError('TG_STORE_UNAVAILABLE', {
      retryAfterS: STORE_RETRY_AFTER_S,
      message:
        'The batch was lost while being parsed (a worker thread stopped); nothing was acknowledged: retry after the delay in Retry-After.',
    });
  }
}

/** The event schema for the OpenAPI document: its `$id` would register it twice across routes. */
function withoutId<S extends { $id: string }>(schema: S): Omit<S, '$id'> {
  const { $id: _id, ...rest } = schema;
  return rest;
}

/**
 * Provider callback fields are flat strings (JSON bodies may carry numbers). Anything else (a
 * nested object, an array from a repeated query parameter, null) is dropped rather than turned into
 * "[object Object]" or "a,b" (and a deeply nested array would overflow the stack in String()).
 */
function formParams(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  return Object.fromEntries(
    Object.entries(body)
      .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      .map(([k, v]) => [k, String(v)]),
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new TollgateError('TG_BODY_INVALID', { message: 'The body is not valid JSON.' });
  }
}
