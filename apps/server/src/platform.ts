import pino from 'pino';
import { DEFAULT_DETECTOR_CONFIG } from '@tollgate/detector';
import { createVerifyLimiter, DEFAULT_BREAKER_POLICY, loadPolicyFile, type VelocityLimiter, type VerifyLimiter } from '@tollgate/breakers';
import { createEgressGuard, parseEgressAllow } from '@tollgate/egress';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './build-app.ts';
import { createKeyring, createSessions, createUsers } from '@tollgate/access';
import { loadBudgetsFile } from '@tollgate/spend';
import { openCore, type Core } from '@tollgate/core';
import { adminKeyFrom } from './core.ts';
import { createDecisionRuntime } from './decision-runtime.ts';
import { createDetectionRuntime } from './detection-runtime.ts';
import { createAlertingRuntime } from './alerting-runtime.ts';
import { createDecideGate, demoBackfillMs, replayDetection } from '@tollgate/demo';
import { startDemoFeed } from './demo-feed.ts';
import { readEnvValues } from './env-values.ts';
import { createServerMetrics } from './metrics.ts';
import { loadProxyFile } from './proxy-file.ts';
import { createProxyRuntime } from './proxy-runtime.ts';
import { rolesFromEnv, type NodeRole } from './node-roles.ts';
import { createSharedVelocity, type SharedVelocity } from './shared-velocity.ts';
import { createSharedDedup, dedupWindowFromEnv, type SharedDedup } from './shared-dedup.ts';
import { createSharedVerify, type SharedVerify } from './shared-verify.ts';
import { observeVerifyOutcomes } from './decisions/verify-outcomes.ts';
import { createReadiness } from './readiness.ts';

export interface PlatformOptions {
  env: NodeJS.ProcessEnv;
  /** Feed simulated traffic (npm start); off for `serve` and when TOLLGATE_DEMO=0. */
  demo: boolean;
  version: string;
}

export interface Platform {
  app: FastifyInstance;
  url: string;
  adminKey: { key: string; source: 'env' | 'generated' | 'file' };
  dataDir: string;
  /** What this process does (TOLLGATE_ROLES). */
  roles: ReadonlySet<NodeRole>;
  /** Graceful shutdown: stop intake, finish in-flight requests, flush the ingest buffer, close the store. */
  close(): Promise<void>;
}

// Keys and sessions created (or revoked) through another instance or the CLI count here within this delay.
const KEY_RELOAD_MS = 30_000;

/** Starts the API server (and the demo feed when asked) on the configured store and port. */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { env } = options;
  const values = readEnvValues(env);
  const roles = rolesFromEnv(env);
  const logLevel = env.LOG_LEVEL ?? 'info';
  const logger = pino({ level: logLevel });
  let core: Core | undefined;
  let sharedVelocity: SharedVelocity | undefined;
  let sharedVerify: SharedVerify | undefined;
  // Event ids shared by the ingest nodes, so a batch retried against another node counts once.
  const dedupWindowMs = dedupWindowFromEnv(env);
  const sharedDedup: SharedDedup | undefined =
    env.REDIS_URL && roles.has('ingest')
      ? createSharedDedup({
          url: env.REDIS_URL,
          windowMs: dedupWindowMs,
          onStatusChange: (status) =>
            status.ok
              ? logger.info('event ids deduplicated across nodes through Redis')
              : logger.warn({ detail: status.detail }, 'event ids deduplicated per node'),
        })
      : undefined;
  const metrics = createServerMetrics({
    pendingEvents: () => core?.ingestor.pendingEvents() ?? 0,
    velocitySharing: () => sharedVelocity?.status(),
    verifySharing: () => sharedVerify && { ...sharedVerify.status(), received: sharedVerify.received() },
    eventDedupShared: () => (roles.has('ingest') ? sharedDedup?.status().ok === true : undefined),
  });
  core = await openCore(env, {
    metrics: metrics.ingest,
    ingest: { dedupWindowMs },
    ...(sharedDedup && { ledger: sharedDedup.ledger }),
  }).catch((error) => {
    sharedDedup?.close();
    throw error;
  });
  const { store, ingestor, dataDir } = core;
  if (core.minutesRepaired > 0) {
    logger.warn({ minutes: core.minutesRepaired }, 'previous process stopped uncleanly: rebuilt the rollup minutes it was writing');
  }
  try {
    const adminKey = adminKeyFrom(env, dataDir);
    const users = await createUsers({ store, bootstrapAdminPassword: adminKey.key });
    const sessions = await createSessions({ store });
    const keyring = await createKeyring({ store, adminKey: adminKey.key, sessions });
    const policy = loadPolicyFile(env);
    const budgets = loadBudgetsFile(env);
    const demoBackfill = options.demo && roles.has('ingest') ? demoBackfillMs(env) : 0;
    // Verify ladders shared by the nodes that decide, and fed by the ones that ingest (REDIS_URL).
    const shareVerify = (local: VerifyLimiter): VerifyLimiter => {
      sharedVerify = createSharedVerify({
        url: env.REDIS_URL!,
        local,
        clock: Date.now,
        outcomeWindowMs: dedupWindowMs,
        onStatusChange: (status) =>
          status.ok
            ? logger.info('verify ladders shared through Redis')
            : logger.warn({ detail: status.detail }, 'verify ladders not shared'),
        onError: (error) => logger.warn({ err: error }, 'verify ladder sharing'),
      });
      return sharedVerify.limiter;
    };
    // Webhooks, owners' alert webhooks and the proxy's upstreams reach internal addresses only where the operator allows it.
    const egress = createEgressGuard({ allow: parseEgressAllow(env.TOLLGATE_EGRESS_ALLOW) });
    const alerting = roles.has('notify') ? createAlertingRuntime({ store, env, logger, budgets, egress }) : undefined;
    await alerting?.start();
    // Decide serves from the registry, detect trips through it, web changes breakers by hand.
    const decisions =
      roles.has('decide') || roles.has('detect') || roles.has('web')
        ? createDecisionRuntime({
            store,
            identity: core.identity,
            policy,
            egress,
            // Timed transitions are written and announced once, by the single active detect node.
            tick: roles.has('detect'),
            ...(env.REDIS_URL && {
              shareVelocity: (local: VelocityLimiter) => {
                sharedVelocity = createSharedVelocity({
                  url: env.REDIS_URL!,
                  local,
                  config: (policy ?? DEFAULT_BREAKER_POLICY).velocity,
                  clock: Date.now,
                  onStatusChange: (status) =>
                    status.ok
                      ? logger.info('velocity counters shared through Redis')
                      : logger.warn({ detail: status.detail }, 'velocity counters not shared'),
                });
                return sharedVelocity.limiter;
              },
            }),
            ...(env.REDIS_URL && roles.has('decide') && { shareVerify }),
            onError: (error) => logger.error({ err: error }, 'decision runtime error'),
            onBreakerChange: async (change) => alerting?.breakerChanged(change),
          })
        : undefined;
    await decisions?.start();
    const proxy = roles.has('decide')
      ? createProxyRuntime({
          store,
          config: loadProxyFile(env),
          env,
          // Upstreams are the operator's, but a provider URL that resolves inside the network is refused like a webhook's.
          fetch: (url, init) => egress.fetch(url, init),
          onError: (error) => logger.warn({ err: error }, 'rate cards not read for the provider proxy'),
        })
      : undefined;
    await proxy?.start();
    const detectorConfig = { ...DEFAULT_DETECTOR_CONFIG, budgets };
    const detection = roles.has('detect')
      ? createDetectionRuntime({
          store,
          registry: decisions!.registry,
          policy,
          config: detectorConfig,
          onError: (error) => logger.error({ err: error }, 'detection cycle failed'),
          onTrip: (outcome) => logger.info(outcome, 'auto-trip'),
          onChanges: async (changes) => alerting?.observe(changes),
        })
      : undefined;
    const demoOn = options.demo && roles.has('ingest');
    // With the demo, detection starts once the demo's history is stored: its warm-up reads that history.
    if (!demoOn) detection?.start();
    const readiness = createReadiness({
      store,
      velocitySharing: () => sharedVelocity?.status(),
      verifySharing: () => sharedVerify?.status(),
      eventDedup: { ingests: roles.has('ingest'), shared: sharedDedup },
    });
    // A node that ingests without deciding still hands the verify outcomes it stores to the deciding nodes.
    const collected =
      env.REDIS_URL && roles.has('ingest') && !roles.has('decide')
        ? observeVerifyOutcomes(
            ingestor,
            shareVerify(createVerifyLimiter({ clock: Date.now, limits: (policy ?? DEFAULT_BREAKER_POLICY).verify })),
            core.identity,
          )
        : ingestor;
    const app = await buildApp({
      store,
      ingestor: collected,
      identity: core.identity,
      decisions,
      alerting,
      proxy,
      budgets,
      roles,
      keyring,
      users,
      sessions,
      metrics,
      readiness,
      config: {
        bodyLimitBytes: values.maxBodyBytes,
        twilioAuthToken: env.TWILIO_AUTH_TOKEN || undefined,
        publicUrl: env.TOLLGATE_PUBLIC_URL || undefined,
        trustedProxies: env.TOLLGATE_TRUSTED_PROXIES || undefined,
        version: options.version,
        logLevel,
      },
    });
    const keyReload = setInterval(
      () =>
        Promise.all([keyring.reload(), sessions.reload()]).catch((error) => logger.warn({ err: error }, 'key and session reload failed')),
      KEY_RELOAD_MS,
    );
    keyReload.unref();
    const url = await app.listen({ port: values.port, host: values.host });
    const demo = demoOn
      ? startDemoFeed({
          ingestor,
          store,
          logger,
          backfillMs: demoBackfill,
          // Its sends ask the decision API like a service's, when this node decides.
          ...(roles.has('decide') && { gate: createDecideGate({ baseUrl: url, apiKey: adminKey.key, logger }) }),
          ...(detection &&
            alerting && {
              replayHistory: (fromMs: number, toMs: number) => replayDetection({ store, alerting, config: detectorConfig, fromMs, toMs }),
            }),
          onHistoryReady: () => detection?.start(),
        })
      : undefined;
    logger.info({ roles: [...roles] }, 'node roles');
    let closing: Promise<void> | undefined;
    return {
      app,
      url,
      adminKey,
      dataDir,
      roles,
      close() {
        closing ??= (async () => {
          clearInterval(keyReload);
          await demo?.stop();
          await app.close();
          proxy?.stop();
          await detection?.stop();
          await decisions?.stop();
          await sharedVelocity?.close();
          await sharedVerify?.close();
          await alerting?.stop();
          await egress.close();
          // After the ingestor's last flush, whose ids are committed through it.
          await core!.close();
          sharedDedup?.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await sharedVerify?.close();
    await core.close();
    sharedDedup?.close();
    throw error;
  }
}
