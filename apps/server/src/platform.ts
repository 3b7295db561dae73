import pino from 'pino';
import { migrationStatus } from '@tollgate/store';
import { DEFAULT_DETECTOR_CONFIG } from '@tollgate/detector';
import { DEFAULT_BREAKER_POLICY, type VelocityLimiter } from '@tollgate/breakers';
import type { FastifyInstance } from 'fastify';
import { buildApp, DEFAULT_BODY_LIMIT_BYTES } from './build-app.ts';
import { createKeyring } from './auth/keyring.ts';
import { createSessions } from './auth/sessions.ts';
import { createUsers } from './auth/users.ts';
import { adminKeyFrom, openCore, type Core } from './core.ts';
import { createDecisionRuntime } from './decision-runtime.ts';
import { createDetectionRuntime } from './detection-runtime.ts';
import { createAlertingRuntime } from './alerting-runtime.ts';
import { loadBudgetsFile } from './budgets-file.ts';
import { createDecideGate, demoBackfillMs, startDemoFeed } from './demo-feed.ts';
import { replayDetection } from './detection-replay.ts';
import { createServerMetrics } from './metrics.ts';
import { loadPolicyFile } from './policy-file.ts';
import { rolesFromEnv, type NodeRole } from './node-roles.ts';
import { createSharedVelocity, type SharedVelocity, type SharedVelocityStatus } from './shared-velocity.ts';
import type { ReadinessReport } from './plugins/ops.routes.ts';

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
  const roles = rolesFromEnv(env);
  const logLevel = env.LOG_LEVEL ?? 'info';
  const logger = pino({ level: logLevel });
  let core: Core | undefined;
  let sharedVelocity: SharedVelocity | undefined;
  const metrics = createServerMetrics({ pendingEvents: () => core?.ingestor.pendingEvents() ?? 0, velocitySharing: () => sharedVelocity?.status() });
  core = await openCore(env, { metrics: metrics.ingest });
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
    const alerting = roles.has('notify') ? createAlertingRuntime({ store, env, logger, budgets }) : undefined;
    await alerting?.start();
    // Decide serves from the registry, detect trips through it, web changes breakers by hand.
    const decisions =
      roles.has('decide') || roles.has('detect') || roles.has('web')
        ? createDecisionRuntime({
            store,
            identity: core.identity,
            policy,
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
                    status.ok ? logger.info('velocity counters shared through Redis') : logger.warn({ detail: status.detail }, 'velocity counters not shared'),
                });
                return sharedVelocity.limiter;
              },
            }),
            onError: (error) => logger.error({ err: error }, 'decision runtime error'),
            onBreakerChange: async (change) => alerting?.breakerChanged(change),
          })
        : undefined;
    await decisions?.start();
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
    const readiness = async (): Promise<ReadinessReport> => {
      const reachable = await store.ping();
      const status = reachable ? await migrationStatus(store) : undefined;
      const migrated = status !== undefined && status.pending.length === 0;
      return {
        ready: reachable && migrated,
        checks: {
          store: { ok: reachable, ...(reachable ? {} : { detail: 'store does not answer' }) },
          migrations: {
            ok: migrated,
            ...(status && !migrated ? { detail: `pending: ${status.pending.join(', ')}` } : {}),
          },
          // Reported, not required: without Redis this node still decides, on its own counters.
          ...(sharedVelocity && { velocity_sharing: sharing(sharedVelocity.status()) }),
        },
      };
    };
    const app = await buildApp({
      store,
      ingestor,
      identity: core.identity,
      decisions,
      alerting,
      budgets,
      roles,
      keyring,
      users,
      sessions,
      metrics,
      readiness,
      config: {
        bodyLimitBytes: Number(env.TOLLGATE_MAX_BODY_BYTES ?? DEFAULT_BODY_LIMIT_BYTES),
        twilioAuthToken: env.TWILIO_AUTH_TOKEN || undefined,
        publicUrl: env.TOLLGATE_PUBLIC_URL || undefined,
        trustedProxies: env.TOLLGATE_TRUSTED_PROXIES || undefined,
        version: options.version,
        logLevel,
      },
    });
    const keyReload = setInterval(
      () => Promise.all([keyring.reload(), sessions.reload()]).catch((error) => logger.warn({ err: error }, 'key and session reload failed')),
      KEY_RELOAD_MS,
    );
    keyReload.unref();
    const url = await app.listen({ port: Number(env.PORT ?? 8080), host: env.HOST ?? '127.0.0.1' });
    const demo = demoOn
      ? startDemoFeed({
          ingestor,
          store,
          logger,
          backfillMs: demoBackfill,
          // Its sends ask the decision API like a service's, when this node decides.
          ...(roles.has('decide') && { gate: createDecideGate({ baseUrl: url, apiKey: adminKey.key, logger }) }),
          ...(detection && alerting && { replayHistory: (fromMs: number, toMs: number) => replayDetection({ store, alerting, config: detectorConfig, fromMs, toMs }) }),
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
          await detection?.stop();
          await decisions?.stop();
          await sharedVelocity?.close();
          await alerting?.stop();
          await core!.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await core.close();
    throw error;
  }
}

function sharing(status: SharedVelocityStatus): { ok: boolean; detail?: string } {
  return status.ok ? { ok: true, detail: 'velocity counters shared through Redis' } : { ok: false, detail: status.detail };
}
