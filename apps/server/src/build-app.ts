import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { BatchPreparer, Ingestor } from '@tollgate/ingest';
import type { Store } from '@tollgate/store';
import type { Keyring, Sessions, Users } from '@tollgate/access';
import type { Identity } from '@tollgate/core';
import type { DecisionRuntime } from './decision-runtime.ts';
import { ERROR_BODY_SCHEMA, TollgateError } from './errors.ts';
import { ROUTE_VIEW_SCHEMA } from './plugins/rules-view.schema.ts';
import type { ServerMetrics } from './metrics.ts';
import { breakerRoutes } from './plugins/breakers.routes.ts';
import { collectorRoutes } from './plugins/collectors.routes.ts';
import { decideRoutes } from './plugins/decide.routes.ts';
import { policyRoutes } from './plugins/policy.routes.ts';
import { keyRoutes } from './plugins/keys.routes.ts';
import { opsRoutes, type Readiness } from './plugins/ops.routes.ts';
import { deliveryRoutes, trafficRoutes } from './plugins/traffic.routes.ts';
import { anomalyRoutes } from './plugins/anomalies.routes.ts';
import { incidentRoutes } from './plugins/incidents.routes.ts';
import { rulesRoutes } from './plugins/rules.routes.ts';
import { spendRoutes } from './plugins/spend.routes.ts';
import { rateRoutes } from './plugins/rates.routes.ts';
import { ownerRoutes } from './plugins/owners.routes.ts';
import { plannedEventRoutes } from './plugins/planned-events.routes.ts';
import type { AlertingRuntime } from './alerting-runtime.ts';
import { webhookRoutes } from './plugins/webhooks.routes.ts';
import { proxyRoutes } from './plugins/proxy.routes.ts';
import type { ProxyRuntime } from './proxy-runtime.ts';
import { sessionRoutes } from './plugins/sessions.routes.ts';
import { lazyRequestLogger, loggerOptions, RequestLog } from './logger.ts';
import { NODE_ROLES, roleOfPath, type NodeRole } from './node-roles.ts';

export interface AppConfig {
  /** Largest accepted body, after gzip decompression. */
  bodyLimitBytes: number;
  /** When set, Twilio callbacks must carry a valid X-Twilio-Signature made with it. */
  twilioAuthToken?: string;
  /** The public base URL Twilio calls (signatures cover the URL as Twilio saw it). */
  publicUrl?: string;
  /**
   * Addresses whose X-Forwarded-For is believed (proxy-addr syntax: IPs, CIDRs, `loopback`,
   * `uniquelocal`...). Anyone else's would let a client pick its own address, and with it escape
   * the per-address sign-in throttle. Default: loopback and private networks (the dashboard on the
   * same host, a load balancer in the same network).
   */
  trustedProxies?: string;
  version: string;
  /** false in tests that want quiet output. */
  logLevel: string;
}

export interface AppDeps {
  store: Store;
  ingestor: Ingestor;
  /** Parses collector bodies (on worker threads when the node runs them); absent, on the event loop. */
  batches?: BatchPreparer;
  identity: Identity;
  /** Absent on a node whose roles need no breaker registry (ingest or notify only). */
  decisions?: DecisionRuntime;
  /** Absent on a node without the notify role. */
  alerting?: AlertingRuntime;
  /** The provider proxy (proxy.yaml, upstreams, relay), served with the decide role; absent, its routes are not served. */
  proxy?: ProxyRuntime;
  /** Budgets for the spend report (the alerting runtime's when it runs here). */
  budgets?: AlertingRuntime['budgets'];
  /** The routes this node serves (TOLLGATE_ROLES); every role when absent. */
  roles?: ReadonlySet<NodeRole>;
  keyring: Keyring;
  /** People who sign in to the dashboard and their sessions (the keyring authenticates the sessions). */
  users: Users;
  sessions: Sessions;
  metrics: ServerMetrics;
  readiness: Readiness;
  config: AppConfig;
}

export const DEFAULT_TRUSTED_PROXIES = 'loopback, linklocal, uniquelocal';

// 8 MiB holds the largest batch (10,000 events of a few hundred bytes) with room to spare.
export const DEFAULT_BODY_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Builds the API server: collectors, query API, key management, health and metrics, OpenAPI docs.
 * It does not listen; `server.ts` does, and tests use `app.inject()`.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(deps.config.logLevel),
    // Failed and slow requests only: a line per decision would cost more than the decision.
    logController: new RequestLog(),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: deps.config.bodyLimitBytes,
    trustProxy: deps.config.trustedProxies ?? DEFAULT_TRUSTED_PROXIES,
    // Deeply nested or huge JSON never reaches the handlers: fastify's parser refuses prototype
    // poisoning, our batch parser bounds depth.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // fastify drops unknown properties by default; a typo such as `cuntry=GB` must be a 400 that
    // names it, not a silently unfiltered answer.
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.addSchema(ERROR_BODY_SCHEMA);
  app.addSchema(ROUTE_VIEW_SCHEMA);
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
  const roles = deps.roles ?? new Set(NODE_ROLES);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] as string;
    const role = roleOfPath(path);
    const error =
      role !== undefined && !roles.has(role)
        ? new TollgateError('TG_ROLE_NOT_SERVED', {
            message: `This node runs ${[...roles].join(', ') || 'no role'} (TOLLGATE_ROLES); ${request.method} ${path} is served by nodes with the ${role} role.`,
            details: { role, roles: [...roles] },
          })
        : new TollgateError('TG_NOT_FOUND', { message: `No route ${request.method} ${path}.` });
    return reply.status(error.statusCode).send(error.toBody());
  });

  await app.register(opsRoutes, { keyring: deps.keyring, metrics: deps.metrics, readiness: deps.readiness });
  if (roles.has('ingest')) {
    // Verify outcomes stored here feed this node's verify ladders when it also decides.
    const ingestor = roles.has('decide') && deps.decisions !== undefined ? deps.decisions.observeIngest(deps.ingestor) : deps.ingestor;
    await app.register(collectorRoutes, { ingestor, batches: deps.batches, keyring: deps.keyring, config: deps.config });
  }
  if (roles.has('web')) {
    await app.register(trafficRoutes, { store: deps.store, keyring: deps.keyring });
    await app.register(deliveryRoutes, { store: deps.store, keyring: deps.keyring });
    await app.register(anomalyRoutes, { store: deps.store, keyring: deps.keyring });
    // The month and the import times follow the alerting runtime's clock where it runs (tests replay months).
    const clock = deps.alerting?.clock;
    await app.register(spendRoutes, {
      store: deps.store,
      keyring: deps.keyring,
      budgets: deps.budgets ?? deps.alerting?.budgets ?? [],
      clock,
    });
    await app.register(rateRoutes, { store: deps.store, keyring: deps.keyring, clock });
    await app.register(keyRoutes, { keyring: deps.keyring });
    await app.register(sessionRoutes, { keyring: deps.keyring, users: deps.users, sessions: deps.sessions });
    await app.register(policyRoutes, { store: deps.store, keyring: deps.keyring, identity: deps.identity });
    const decisions = required(deps.decisions, 'web');
    await app.register(breakerRoutes, { keyring: deps.keyring, registry: decisions.registry, store: deps.store });
    await app.register(webhookRoutes, { keyring: deps.keyring, dispatcher: decisions.dispatcher });
  }
  if (roles.has('notify')) {
    const alerting = required(deps.alerting, 'notify');
    await app.register(incidentRoutes, { store: deps.store, keyring: deps.keyring, alerting });
    await app.register(rulesRoutes, { keyring: deps.keyring, alerting });
    await app.register(ownerRoutes, { store: deps.store, keyring: deps.keyring, alerting });
    await app.register(plannedEventRoutes, { keyring: deps.keyring, alerting });
  }
  if (roles.has('decide')) {
    const decisions = required(deps.decisions, 'decide');
    await app.register(decideRoutes, {
      keyring: deps.keyring,
      identity: deps.identity,
      decider: decisions.decider,
      counter: decisions.counter,
      hashAccount: decisions.hashAccount,
    });
    if (deps.proxy !== undefined) {
      await app.register(proxyRoutes, {
        proxy: deps.proxy,
        identity: deps.identity,
        decider: decisions.decider,
        counter: decisions.counter,
        // Proxied checks' outcomes feed this node's verify ladders, as the collectors' do.
        ingestor: decisions.observeIngest(deps.ingestor),
        hashAccount: decisions.hashAccount,
        publicUrl: deps.config.publicUrl,
      });
    }
  }
  return app;
}

function required<T>(runtime: T | undefined, role: NodeRole): T {
  if (runtime === undefined) throw new Error(`the ${role} role's routes need a runtime that was not given to buildApp`);
  return runtime;
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
  if (error.statusCode && error.statusCode < 500)
    return new TollgateError('TG_BODY_INVALID', { message: `The body could not be read: ${error.message}` });
  return new TollgateError('TG_INTERNAL');
}
