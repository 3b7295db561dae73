import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Ingestor } from '@tollgate/ingest';
import type { Store } from '@tollgate/store';
import type { Keyring } from './auth/keyring.ts';
import type { Sessions } from './auth/sessions.ts';
import type { Users } from './auth/users.ts';
import type { Identity } from './core.ts';
import type { DecisionRuntime } from './decision-runtime.ts';
import { ERROR_BODY_SCHEMA, TollgateError } from './errors.ts';
import type { ServerMetrics } from './metrics.ts';
import { breakerRoutes } from './plugins/breakers.routes.ts';
import { collectorRoutes } from './plugins/collectors.routes.ts';
import { decideRoutes } from './plugins/decide.routes.ts';
import { keyRoutes } from './plugins/keys.routes.ts';
import { opsRoutes, type Readiness } from './plugins/ops.routes.ts';
import { deliveryRoutes, trafficRoutes } from './plugins/traffic.routes.ts';
import { anomalyRoutes } from './plugins/anomalies.routes.ts';
import { incidentRoutes } from './plugins/incidents.routes.ts';
import { rulesRoutes } from './plugins/rules.routes.ts';
import { spendRoutes } from './plugins/spend.routes.ts';
import { ownerRoutes } from './plugins/owners.routes.ts';
import { plannedEventRoutes } from './plugins/planned-events.routes.ts';
import type { AlertingRuntime } from './alerting-runtime.ts';
import { webhookRoutes } from './plugins/webhooks.routes.ts';
import { sessionRoutes } from './plugins/sessions.routes.ts';
import { loggerOptions } from './logger.ts';

export interface AppConfig {
  /** Largest accepted body, after gzip decompression. */
  bodyLimitBytes: number;
  /** When set, Twilio callbacks must carry a valid X-Twilio-Signature made with it. */
  twilioAuthToken?: string;
  /** The public base URL Twilio calls (signatures cover the URL as Twilio saw it). */
  publicUrl?: string;
  version: string;
  /** false in tests that want quiet output. */
  logLevel: string;
}

export interface AppDeps {
  store: Store;
  ingestor: Ingestor;
  identity: Identity;
  decisions: DecisionRuntime;
  alerting: AlertingRuntime;
  keyring: Keyring;
  /** People who sign in to the dashboard and their sessions (the keyring authenticates the sessions). */
  users: Users;
  sessions: Sessions;
  metrics: ServerMetrics;
  readiness: Readiness;
  config: AppConfig;
}

// 8 MiB holds the largest batch (10,000 events of a few hundred bytes) with room to spare.
export const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Builds the API server: collectors, query API, key management, health and metrics, OpenAPI docs.
 * It does not listen; `server.ts` does, and tests use `app.inject()`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(deps.config.logLevel),
    bodyLimit: deps.config.bodyLimitBytes,
    trustProxy: true,
    // Deeply nested or huge JSON never reaches the handlers: fastify's parser refuses prototype
    // poisoning, our batch parser bounds depth.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // fastify drops unknown properties by default; a typo such as `cuntry=GB` must be a 400 that
    // names it, not a silently unfiltered answer.
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.addSchema(ERROR_BODY_SCHEMA);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tollgate API',
        version: deps.config.version,
        description:
          'Collectors for OTP send, verify, billing and delivery data, the decision API with circuit breakers, ' +
          'signed webhooks, and the query API. ' +
          'Authenticate with `Authorization: Bearer <key>`; each route names the scope it needs.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler((error: FastifyError | TollgateError, request, reply) => {
    const known = toTollgateError(error);
    if (known.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    if (known.retryAfterS !== undefined) reply.header('Retry-After', String(known.retryAfterS));
    return reply.status(known.statusCode).send(known.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new TollgateError('TG_NOT_FOUND', { message: `No route ${request.method} ${request.url.split('?')[0]}.` });
    return reply.status(error.statusCode).send(error.toBody());
  });

  await app.register(opsRoutes, { keyring: deps.keyring, metrics: deps.metrics, readiness: deps.readiness });
  await app.register(collectorRoutes, { ingestor: deps.ingestor, keyring: deps.keyring, config: deps.config });
  await app.register(trafficRoutes, { store: deps.store, keyring: deps.keyring });
  await app.register(deliveryRoutes, { store: deps.store, keyring: deps.keyring });
  await app.register(anomalyRoutes, { store: deps.store, keyring: deps.keyring });
  await app.register(incidentRoutes, { store: deps.store, keyring: deps.keyring, alerting: deps.alerting });
  await app.register(rulesRoutes, { keyring: deps.keyring, alerting: deps.alerting });
  await app.register(ownerRoutes, { store: deps.store, keyring: deps.keyring, alerting: deps.alerting });
  await app.register(plannedEventRoutes, { keyring: deps.keyring, alerting: deps.alerting });
  await app.register(spendRoutes, { store: deps.store, keyring: deps.keyring, budgets: deps.alerting.budgets });
  await app.register(keyRoutes, { keyring: deps.keyring });
  await app.register(sessionRoutes, { keyring: deps.keyring, users: deps.users, sessions: deps.sessions });
  await app.register(decideRoutes, { keyring: deps.keyring, identity: deps.identity, decider: deps.decisions.decider, counter: deps.decisions.counter });
  await app.register(breakerRoutes, { keyring: deps.keyring, registry: deps.decisions.registry, store: deps.store });
  await app.register(webhookRoutes, { keyring: deps.keyring, dispatcher: deps.decisions.dispatcher });
  return app;
}

/** Maps fastify's own errors onto the catalogue so every client error has a stable code. */
function toTollgateError(error: FastifyError | TollgateError): TollgateError {
  if (error instanceof TollgateError) return error;
  if (error.validation && error.validation.length > 0) {
    const first = error.validation[0]!;
    const params = first.params as { missingProperty?: string; additionalProperty?: string };
    const context = error.validationContext ?? 'request';
    if (params.additionalProperty !== undefined) {
      return new TollgateError('TG_REQUEST_INVALID', {
        field: params.additionalProperty,
        message: `${context} field "${params.additionalProperty}" is unknown: check its spelling against /docs.`,
      });
    }
    const field = params.missingProperty ?? first.instancePath.replace(/^\//, '').replace(/\//g, '.');
    return new TollgateError('TG_REQUEST_INVALID', {
      field,
      message: `${context}${field ? ` field "${field}"` : ''} ${first.message ?? 'is invalid'}.`,
    });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TollgateError('TG_BODY_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TollgateError('TG_CONTENT_TYPE', {
        message: 'Unsupported content type: send application/json or application/x-ndjson (text/csv for billing imports).',
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new TollgateError('TG_BODY_INVALID', { message: 'The body is empty: send a JSON object.' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new TollgateError('TG_BODY_INVALID', { message: 'The body is shorter or longer than its Content-Length.' });
  }
  if (error.statusCode === 413) return new TollgateError('TG_BODY_TOO_LARGE');
  if (error.statusCode && error.statusCode < 500) return new TollgateError('TG_BODY_INVALID', { message: `The body could not be read: ${error.message}` });
  return new TollgateError('TG_INTERNAL');
}
