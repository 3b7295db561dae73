import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Agent } from 'node:https';
import type { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import { createEgressGuard, parseEgressAllow, type Resolve } from '@tollgate/egress';
import { buildApp, DEFAULT_BODY_LIMIT_BYTES } from '../../src/build-app.ts';
import { createKeyring, createSessions, createUsers, SCOPES, type Scope } from '@tollgate/access';
import { openCore, type Core } from '@tollgate/core';
import { createServerMetrics } from '../../src/metrics.ts';
import { createDecisionRuntime, type DecisionRuntime } from '../../src/decision-runtime.ts';
import { createAlertingRuntime, type AlertingRuntime } from '../../src/alerting-runtime.ts';
import { loadBudgetsFile } from '@tollgate/spend';
import type { ProxyRuntime } from '../../src/proxy-runtime.ts';
import { createReadiness } from '../../src/readiness.ts';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const TEST_HMAC_KEY = 'ab'.repeat(32);
export const RULES_DIR = fileURLToPath(new URL('../../../../alert-rules/', import.meta.url));
const SILENT_LOGGER = { info() {}, warn() {}, error() {} };

export interface TestServer {
  app: FastifyInstance;
  core: Core;
  decisions: DecisionRuntime;
  /** Alert routing on the shipped rules, timers off: tests drive `tick()` and the outbox. */
  alerting: AlertingRuntime;
  dataDir: string;
  /** One key per scope, holding that scope only. */
  keys: Record<Scope, string>;
  auth(scope: Scope): { authorization: string };
  close(): Promise<void>;
}

/**
 * The real app on a fresh embedded store in a temporary directory, for `app.inject()` tests.
 * Pass `dataDir` to reopen the store of an earlier instance (restart tests).
 */
export async function openTestServer(
  label: string,
  options: {
    dataDir?: string;
    twilioAuthToken?: string;
    bodyLimitBytes?: number;
    keepData?: boolean;
    /** Extra environment for alert routing (Slack token and URL, PagerDuty server...). */
    alertingEnv?: NodeJS.ProcessEnv;
    /** Trusts the local PagerDuty stand-in's certificate. */
    pagerDutyAgent?: Agent;
    clock?: () => number;
    maxPendingEvents?: number;
    /** Worker threads parsing and normalizing collector bodies (TOLLGATE_INGEST_WORKERS); default 0. */
    ingestWorkers?: number;
    /** Called with each ingest worker thread started. */
    onIngestWorker?: (worker: Worker) => void;
    /** Serves the provider proxy, made on the test's store. */
    proxy?: (core: Core) => ProxyRuntime;
    /** TOLLGATE_EGRESS_ALLOW: what webhooks may reach although internal (loopback receivers). */
    egressAllow?: string;
    /** Resolves webhook host names in place of DNS. */
    resolve?: Resolve;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `tollgate-${label}-`));
  let core: Core | undefined;
  const metrics = createServerMetrics({ pendingEvents: () => core?.ingestor.pendingEvents() ?? 0 });
  core = await openCore(
    { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_HMAC_KEY: TEST_HMAC_KEY },
    {
      metrics: metrics.ingest,
      ingestWorkers: options.ingestWorkers ?? 0,
      onIngestWorker: options.onIngestWorker,
      ...(options.maxPendingEvents !== undefined && { ingest: { maxPendingEvents: options.maxPendingEvents } }),
    },
  );
  const users = await createUsers({ store: core.store, bootstrapAdminPassword: TEST_ADMIN_KEY });
  const sessions = await createSessions({ store: core.store });
  const keyring = await createKeyring({ store: core.store, adminKey: TEST_ADMIN_KEY, sessions });
  const keys = {} as Record<Scope, string>;
  for (const scope of SCOPES) keys[scope] = (await keyring.create(`test-${scope}`, [scope])).key;
  const egress = createEgressGuard({ allow: parseEgressAllow(options.egressAllow), ...(options.resolve && { resolve: options.resolve }) });
  const alerting = createAlertingRuntime({
    store: core.store,
    egress,
    env: { TOLLGATE_RULES_DIR: RULES_DIR, PD_FRAUD_KEY: 'test-pd-fraud', PD_IAM_KEY: 'test-pd-iam', ...options.alertingEnv },
    logger: SILENT_LOGGER,
    budgets: loadBudgetsFile({ TOLLGATE_RULES_DIR: RULES_DIR, ...options.alertingEnv }),
    manual: true,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.pagerDutyAgent ? { pagerDutyAgent: options.pagerDutyAgent } : {}),
  });
  await alerting.start();
  const decisions = createDecisionRuntime({
    store: core.store,
    identity: core.identity,
    egress,
    clock: options.clock,
    onError: (error) => {
      throw error;
    },
    onBreakerChange: (change) => alerting.breakerChanged(change),
  });
  await decisions.start();
  const proxy = options.proxy?.(core);
  await proxy?.start();
  const app = await buildApp({
    store: core.store,
    ingestor: core.ingestor,
    batches: core.batches,
    identity: core.identity,
    decisions,
    alerting,
    proxy,
    keyring,
    users,
    sessions,
    metrics,
    readiness: createReadiness({ store: core.store }),
    config: {
      bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
      twilioAuthToken: options.twilioAuthToken,
      version: 'test',
      logLevel: 'silent',
    },
  });
  await app.ready();
  return {
    app,
    core,
    decisions,
    alerting,
    dataDir,
    keys,
    auth: (scope) => ({ authorization: `Bearer ${keys[scope]}` }),
    async close() {
      await app.close();
      proxy?.stop();
      await alerting.stop();
      await decisions.stop();
      await egress.close();
      await core!.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
