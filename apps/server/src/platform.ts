import pino from 'pino';
import { DEFAULT_DETECTOR_CONFIG } from '@tollgate/detector';
import {
  createVerifyLimiter,
  DEFAULT_BREAKER_POLICY,
  loadPolicyFile,
  type BreakerPolicy,
  type VelocityLimiter,
  type VerifyLimiter,
} from '@tollgate/breakers';
import { createEgressGuard, parseEgressAllow, type EgressGuard } from '@tollgate/egress';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppConfig } from './build-app.ts';
import { createKeyring, createSessions, createUsers } from '@tollgate/access';
import { loadBudgetsFile } from '@tollgate/spend';
import { openCore, type Core } from '@tollgate/core';
import { adminKeyFrom } from './admin-key.ts';
import { createDecisionRuntime } from './decision-runtime.ts';
import { createDetectionRuntime } from './detection-runtime.ts';
import { createAlertingRuntime, type AlertingRuntime } from './alerting-runtime.ts';
import { createDecideGate, demoBackfillMs, replayDetection } from '@tollgate/demo';
import { startDemoFeed } from './demo-feed.ts';
import { readEnvValues, type EnvValues } from './env-values.ts';
import { createServerMetrics } from './metrics.ts';
import { loadProxyFile } from './proxy-file.ts';
import { createProxyRuntime } from './proxy-runtime.ts';
import { applyHeapSettings, warnOfMissingStartFlags } from './heap-settings.ts';
import { rolesFromEnv, type NodeRole } from './node-roles.ts';
import { createSharedVelocity, type SharedVelocity } from './shared-velocity.ts';
import { createSharedDedup, dedupWindowFromEnv, type SharedDedup } from './shared-dedup.ts';
import { createSharedVerify, type SharedVerify } from './shared-verify.ts';
import { observeVerifyOutcomes } from './decisions/verify-outcomes.ts';
import { createReadiness } from './readiness.ts';
import { createEngineThreadPriority } from './engine-thread-priority.ts';
import { reloadKeysOnTimer } from './key-reload.ts';

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

type Logger = pino.Logger;

/** The state a node shares with the others through Redis (REDIS_URL), opened as its roles need it. */
interface SharedState {
  dedup?: SharedDedup;
  velocity?: SharedVelocity;
  verify?: SharedVerify;
}

/** Event ids shared by the ingest nodes, so a batch retried against another node counts once. */
function openSharedDedup(env: NodeJS.ProcessEnv, roles: ReadonlySet<NodeRole>, windowMs: number, logger: Logger): SharedDedup | undefined {
  if (!env.REDIS_URL || !roles.has('ingest')) return undefined;
  return createSharedDedup({
    url: env.REDIS_URL,
    windowMs,
    onStatusChange: (status) =>
      status.ok
        ? logger.info('event ids deduplicated across nodes through Redis')
        : logger.warn({ detail: status.detail }, 'event ids deduplicated per node'),
  });
}

/** Users, sessions and API keys, with the bootstrap admin key. */
async function openAccess(store: Core['store'], env: NodeJS.ProcessEnv, dataDir: string) {
  const adminKey = adminKeyFrom(env, dataDir);
  const users = await createUsers({ store, bootstrapAdminPassword: adminKey.key });
  const sessions = await createSessions({ store });
  const keyring = await createKeyring({ store, adminKey: adminKey.key, sessions });
  return { adminKey, users, sessions, keyring };
}

/** Shares a node's verify ladders through Redis: the nodes that decide read them, the ones that ingest feed them. */
function verifySharing(env: NodeJS.ProcessEnv, shared: SharedState, outcomeWindowMs: number, logger: Logger) {
  return (local: VerifyLimiter): VerifyLimiter => {
    shared.verify = createSharedVerify({
      url: env.REDIS_URL!,
      local,
      clock: Date.now,
      outcomeWindowMs,
      onStatusChange: (status) =>
        status.ok
          ? logger.info('verify ladders shared through Redis')
          : logger.warn({ detail: status.detail }, 'verify ladders not shared'),
      onError: (error) => logger.warn({ err: error }, 'verify ladder sharing'),
    });
    return shared.verify.limiter;
  };
}

/** The breaker registry and decider: decide serves from it, detect trips through it, web changes breakers by hand. */
async function startDecisions(deps: {
  env: NodeJS.ProcessEnv;
  roles: ReadonlySet<NodeRole>;
  core: Core;
  policy: BreakerPolicy | undefined;
  egress: EgressGuard;
  alerting: AlertingRuntime | undefined;
  shared: SharedState;
  shareVerify: (local: VerifyLimiter) => VerifyLimiter;
  logger: Logger;
}) {
  const { env, roles, shared, logger } = deps;
  if (!roles.has('decide') && !roles.has('detect') && !roles.has('web')) return undefined;
  const decisions = createDecisionRuntime({
    store: deps.core.store,
    identity: deps.core.identity,
    policy: deps.policy,
    egress: deps.egress,
    // Timed transitions are written and announced once, by the single active detect node.
    tick: roles.has('detect'),
    // Only a server store is shared with other nodes: the embedded engine refuses a second process on its data directory.
    syncBreakers: deps.core.store.config.kind === 'server',
    ...(env.REDIS_URL && {
      shareVelocity: (local: VelocityLimiter) => {
        shared.velocity = createSharedVelocity({
          url: env.REDIS_URL!,
          local,
          config: (deps.policy ?? DEFAULT_BREAKER_POLICY).velocity,
          clock: Date.now,
          onStatusChange: (status) =>
            status.ok
              ? logger.info('velocity counters shared through Redis')
              : logger.warn({ detail: status.detail }, 'velocity counters not shared'),
        });
        return shared.velocity.limiter;
      },
    }),
    ...(env.REDIS_URL && roles.has('decide') && { shareVerify: deps.shareVerify }),
    onError: (error) => logger.error({ err: error }, 'decision runtime error'),
    onBreakerChange: async (change) => deps.alerting?.breakerChanged(change),
  });
  await decisions.start();
  return decisions;
}

/** The fastify app's settings from the environment. */
function appConfig(env: NodeJS.ProcessEnv, values: EnvValues, version: string, logLevel: string): AppConfig {
  return {
    bodyLimitBytes: values.maxBodyBytes,
    twilioAuthToken: env.TWILIO_AUTH_TOKEN || undefined,
    publicUrl: env.TOLLGATE_PUBLIC_URL || undefined,
    trustedProxies: env.TOLLGATE_TRUSTED_PROXIES || undefined,
    version,
    logLevel,
  };
}

/** A provider proxy's rate cards and upstreams, reached through the egress guard. */
async function startProxy(store: Core['store'], env: NodeJS.ProcessEnv, egress: EgressGuard, logger: Logger) {
  const proxy = createProxyRuntime({
    store,
    config: loadProxyFile(env),
    env,
    // Upstreams are the operator's, but a provider URL that resolves inside the network is refused like a webhook's.
    egress,
    onError: (error) => logger.warn({ err: error }, 'rate cards not read for the provider proxy'),
  });
  await proxy.start();
  return proxy;
}

/** The embedded engine's threads share this process's cores: the event loop comes first (none to lower on a server store). */
async function lowerEngineThreads(store: Core['store'], logger: Logger) {
  if (store.config.kind !== 'embedded') return undefined;
  const priority = createEngineThreadPriority({ onError: (error) => logger.warn({ err: error }, 'engine threads left at their priority') });
  await priority.start();
  return priority;
}

/** A node that ingests without deciding still hands the verify outcomes it stores to the deciding nodes. */
function ingestorSharingVerify(
  env: NodeJS.ProcessEnv,
  roles: ReadonlySet<NodeRole>,
  core: Core,
  policy: BreakerPolicy | undefined,
  shareVerify: (local: VerifyLimiter) => VerifyLimiter,
) {
  if (!env.REDIS_URL || !roles.has('ingest') || roles.has('decide')) return core.ingestor;
  const limits = (policy ?? DEFAULT_BREAKER_POLICY).verify;
  return observeVerifyOutcomes(core.ingestor, shareVerify(createVerifyLimiter({ clock: Date.now, limits })), core.identity);
}

/** Shutdown: stop intake (the demo, then the API), then the runtimes, then flush the ingestor and close the store. */
async function stopInOrder(parts: {
  keyReload: NodeJS.Timeout | undefined;
  demo: { stop(): Promise<void> } | undefined;
  app: FastifyInstance;
  proxy: { stop(): void } | undefined;
  detection: { stop(): Promise<void> } | undefined;
  decisions: { stop(): Promise<void> } | undefined;
  shared: SharedState;
  alerting: AlertingRuntime | undefined;
  egress: EgressGuard;
  core: Core;
}): Promise<void> {
  clearInterval(parts.keyReload);
  await parts.demo?.stop();
  await parts.app.close();
  parts.proxy?.stop();
  await parts.detection?.stop();
  await parts.decisions?.stop();
  await parts.shared.velocity?.close();
  await parts.shared.verify?.close();
  await parts.alerting?.stop();
  await parts.egress.close();
  // After the ingestor's last flush, whose ids are committed through it.
  await parts.core.close();
  parts.shared.dedup?.close();
}

/** Starts the API server (and the demo feed when asked) on the configured store and port. */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { env } = options;
  const values = readEnvValues(env);
  const roles = rolesFromEnv(env);
  applyHeapSettings(roles);
  const logLevel = env.LOG_LEVEL ?? 'info';
  const logger = pino({ level: logLevel });
  warnOfMissingStartFlags(roles, logger);
  let core: Core | undefined;
  const dedupWindowMs = dedupWindowFromEnv(env);
  const shared: SharedState = { dedup: openSharedDedup(env, roles, dedupWindowMs, logger) };
  const metrics = createServerMetrics({
    pendingEvents: () => core?.ingestor.pendingEvents() ?? 0,
    velocitySharing: () => shared.velocity?.status(),
    verifySharing: () => shared.verify && { ...shared.verify.status(), received: shared.verify.received() },
    eventDedupShared: () => (roles.has('ingest') ? shared.dedup?.status().ok === true : undefined),
    loopDelaySampleMs: values.loopDelaySampleMs,
  });
  core = await openCore(env, {
    metrics: metrics.ingest,
    ingest: { dedupWindowMs },
    ...(shared.dedup && { ledger: shared.dedup.ledger }),
    ingestWorkers: roles.has('ingest') ? values.ingestWorkers : 0,
  }).catch((error) => {
    shared.dedup?.close();
    throw error;
  });
  const { store, ingestor, dataDir } = core;
  const enginePriority = await lowerEngineThreads(store, logger);
  if (core.minutesRepaired > 0) {
    logger.warn({ minutes: core.minutesRepaired }, 'previous process stopped uncleanly: rebuilt the rollup minutes it was writing');
  }
  try {
    const access = await openAccess(store, env, dataDir);
    const policy = loadPolicyFile(env);
    const budgets = loadBudgetsFile(env);
    const shareVerify = verifySharing(env, shared, dedupWindowMs, logger);
    // Webhooks, owners' alert webhooks and the proxy's upstreams reach internal addresses only where the operator allows it.
    const egress = createEgressGuard({ allow: parseEgressAllow(env.TOLLGATE_EGRESS_ALLOW) });
    const alerting = roles.has('notify') ? createAlertingRuntime({ store, env, logger, budgets, egress }) : undefined;
    await alerting?.start();
    const decisions = await startDecisions({ env, roles, core, policy, egress, alerting, shared, shareVerify, logger });
    const proxy = roles.has('decide') ? await startProxy(store, env, egress, logger) : undefined;
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
      velocitySharing: () => shared.velocity?.status(),
      verifySharing: () => shared.verify?.status(),
      eventDedup: { ingests: roles.has('ingest'), shared: shared.dedup },
    });
    const collected = ingestorSharingVerify(env, roles, core, policy, shareVerify);
    const { adminKey, users, sessions, keyring } = access;
    const app = await buildApp({
      store,
      ingestor: collected,
      batches: core.batches,
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
      config: appConfig(env, values, options.version, logLevel),
    });
    const keyReload = reloadKeysOnTimer(store, access, logger);
    const url = await app.listen({ port: values.port, host: values.host });
    const demo = demoOn
      ? startDemoFeed({
          ingestor,
          store,
          logger,
          backfillMs: demoBackfillMs(env),
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
        enginePriority?.stop();
        closing ??= stopInOrder({ keyReload, demo, app, proxy, detection, decisions, shared, alerting, egress, core: core! });
        return closing;
      },
    };
  } catch (error) {
    enginePriority?.stop();
    await shared.verify?.close();
    await core.close();
    shared.dedup?.close();
    throw error;
  }
}
