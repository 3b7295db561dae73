/**
 * Wires alert routing into the server: the rules in `alert-rules/` (reloaded when they change, the
 * last good ones kept on a bad edit), the incident desk fed by the detector's anomalies and the
 * breakers' changes, the persisted notification outbox with the Slack, PagerDuty and webhook
 * notifiers the environment configures, silences, and finance's daily spend digest.
 */
import type { EgressGuard } from '@tollgate/egress';
import type { Agent } from 'node:https';
import { resolve } from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import {
  alertOf,
  createIncidentDesk,
  createPlannedEventRegistry,
  createNotificationOutbox,
  createPagerDutyNotifier,
  createSilenceRegistry,
  createSlackNotifier,
  createWebhookNotifier,
  formatRuleError,
  lenientEnv,
  unreachableTargets,
  unsetPagerDutyVariables,
  type UnreachableTarget,
  watchRules,
  type AlertingConfig,
  type IncidentDesk,
  type NotificationOutbox,
  type Notifier,
  type ObserveOutcome,
  type OutboxLogger,
  type PlannedEventRegistry,
  type RulesWatcher,
  type SilenceRegistry,
} from '@tollgate/alerting';
import type { BreakerChange } from '@tollgate/breakers';
import { describeScope } from '@tollgate/vocabulary';
import type { AnomalyChange, Budget } from '@tollgate/detector';
import type { Store } from '@tollgate/store';
import { sendDailyDigest } from '@tollgate/spend';

/** How often due notifications, escalations and incident money are looked at. */
const ALERTING_TICK_MS = 5_000;
/** Finance's digest of the day before, every morning at 08:00 UTC unless TOLLGATE_DIGEST_CRON says otherwise. */
const DEFAULT_DIGEST_SCHEDULE = '0 8 * * *';
const DAY_MS = 86_400_000;

export interface RulesStatus {
  dir: string;
  /** When the rules in force were loaded (epoch ms), if they ever were. */
  loadedAt?: number;
  files: string[];
  /** The last reload that failed, kept until a good one replaces it. */
  lastError?: { at: number; errors: string[] };
  /** PagerDuty variables the rules name that are unset here: those pages fail, Slack still hears. */
  unsetVariables: string[];
  /** Owners' webhooks the egress guard refuses (internal addresses): those notifications fail, the other channels still hear. */
  refusedWebhooks: { owner: string; url: string; reason: string }[];
  /** Owners' destinations that would fail now (unset keys, Slack or webhooks not configured). */
  unreachable: UnreachableTarget[];
}

export interface AlertingRuntime {
  desk: IncidentDesk;
  planned: PlannedEventRegistry;
  /** The time incidents are opened and measured on. */
  clock: () => number;
  budgets: readonly Budget[];
  silences: SilenceRegistry;
  outbox: NotificationOutbox;
  rules(): AlertingConfig | undefined;
  rulesStatus(): RulesStatus;
  /** The detector's changes, as alerts to route. */
  observe(changes: readonly AnomalyChange[]): Promise<ObserveOutcome[]>;
  /** A breaker change: tripped for or reset on an incident's anomaly goes on its timeline. */
  breakerChanged(change: BreakerChange): Promise<void>;
  /** One round of due work (what the timer does): silences, notifications, escalations. */
  tick(): Promise<void>;
  /** Finance's digest of the UTC day starting at `dayStartMs`, to every finance owner's Slack channel; returns how many were enqueued. */
  sendDigest(dayStartMs: number): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AlertingOptions {
  store: Store;
  env: NodeJS.ProcessEnv;
  logger: OutboxLogger & { error(fields: object, message: string): void };
  clock?: () => number;
  /** For a PagerDuty endpoint behind a private CA (tests). */
  pagerDutyAgent?: Agent;
  /** Spend budgets (alert-rules/budgets.yaml), for the digest's month against budget. */
  budgets?: readonly Budget[];
  /** No tick timer: the caller drives `tick()` (tests, with a controlled clock). The outbox still sends on its own timer. */
  manual?: boolean;
  /** What the owners' webhooks may reach (TOLLGATE_EGRESS_ALLOW). */
  egress: EgressGuard;
}

/** Where notifications link: the dashboard's incident pages. */
function dashboardUrlFrom(env: NodeJS.ProcessEnv): string {
  return env.TOLLGATE_DASHBOARD_URL || `http://localhost:${env.WEB_PORT ?? 3000}`;
}

/** The notifiers the environment configures: Slack with a bot token, PagerDuty always (keys are looked up per page), webhooks with a secret. */
function notifiersFrom(options: AlertingOptions, clock: () => number): Notifier[] {
  const { env } = options;
  const dashboardUrl = dashboardUrlFrom(env);
  const notifiers: Notifier[] = [
    createPagerDutyNotifier({
      routingKeyFor: (envVar) => env[envVar],
      dashboardUrl,
      ...(env.PAGERDUTY_EVENTS_SERVER ? { server: env.PAGERDUTY_EVENTS_SERVER } : {}),
      ...(options.pagerDutyAgent ? { agent: options.pagerDutyAgent } : {}),
    }),
  ];
  if (env.SLACK_BOT_TOKEN) {
    notifiers.push(
      createSlackNotifier({ token: env.SLACK_BOT_TOKEN, dashboardUrl, ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}) }),
    );
  }
  if (env.TOLLGATE_ALERT_WEBHOOK_SECRET) {
    notifiers.push(createWebhookNotifier({ secret: env.TOLLGATE_ALERT_WEBHOOK_SECRET, dashboardUrl, clock, egress: options.egress }));
  }
  return notifiers;
}

/** Judges the owners' webhooks when the rules load, so a refused one shows in GET /v1/rules before an incident needs it. */
async function checkOwnerWebhooks(
  config: AlertingConfig,
  status: RulesStatus,
  deps: Pick<AlertingOptions, 'egress' | 'logger'>,
): Promise<void> {
  const refused: RulesStatus['refusedWebhooks'] = [];
  for (const owner of config.owners.values()) {
    if (owner.webhook === undefined) continue;
    const decision = await deps.egress.check(owner.webhook);
    if (!decision.allowed) refused.push({ owner: owner.name, url: owner.webhook, reason: decision.detail });
  }
  status.refusedWebhooks = refused;
  // The rules page's banner lists every destination that cannot be paged, a refused webhook among them.
  status.unreachable = [
    ...status.unreachable,
    ...refused.map((r) => ({
      owner: r.owner,
      channel: 'webhook' as const,
      target: r.url,
      reason: `refused by the egress guard: ${r.reason}`,
    })),
  ];
  if (refused.length > 0)
    deps.logger.warn(
      { webhooks: refused },
      "owners' webhooks refused by the egress guard (TOLLGATE_EGRESS_ALLOW): those notifications will fail",
    );
}

/**
 * Watches the rules folder: a good load replaces the rules in force and says what cannot be
 * reached; a bad edit keeps the last good rules, its errors on GET /v1/rules.
 */
function watchAlertRules(options: AlertingOptions, status: RulesStatus, clock: () => number): Promise<RulesWatcher> {
  const { env, logger } = options;
  const { dir } = status;
  return watchRules({
    dir,
    // An unset PagerDuty key must not stop routing: everything else still reaches its owner.
    env: lenientEnv(env),
    onChange: (config) => {
      status.loadedAt = clock();
      status.files = config.files;
      status.unsetVariables = unsetPagerDutyVariables(config);
      status.unreachable = unreachableTargets(config, {
        slack: Boolean(env.SLACK_BOT_TOKEN),
        webhook: Boolean(env.TOLLGATE_ALERT_WEBHOOK_SECRET),
      });
      delete status.lastError;
      logger.info({ dir, files: config.files.length, owners: config.owners.size }, 'alert rules loaded');
      if (status.unsetVariables.length > 0) {
        logger.warn(
          { variables: status.unsetVariables },
          `PagerDuty routing keys not set (${status.unsetVariables.join(', ')}): those pages will fail until they are`,
        );
      }
      checkOwnerWebhooks(config, status, options).catch((error) => logger.error({ err: error }, 'owner webhook check failed'));
    },
    onError: (errors) => {
      status.lastError = { at: clock(), errors: errors.map(formatRuleError) };
      const keeping = status.loadedAt !== undefined ? 'keeping the last good rules' : 'no rules are in force: anomalies are not routed';
      logger.warn({ dir, errors: status.lastError.errors }, `alert rules have errors; ${keeping}`);
    },
  });
}

export function createAlertingRuntime(options: AlertingOptions): AlertingRuntime {
  const { store, env, logger } = options;
  const clock = options.clock ?? Date.now;
  const dir = resolve(env.TOLLGATE_RULES_DIR ?? './alert-rules');
  const status: RulesStatus = { dir, files: [], unsetVariables: [], refusedWebhooks: [], unreachable: [] };
  let watcher: RulesWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let digestTask: ScheduledTask | undefined;
  let ticking: Promise<void> | undefined;

  const silences = createSilenceRegistry({ store, clock });
  const planned = createPlannedEventRegistry({ store, clock });
  let desk: IncidentDesk | undefined;
  const outbox = createNotificationOutbox({
    store,
    clock,
    notifiers: notifiersFrom(options, clock),
    logger,
    onSent: (notification) => {
      void desk?.notified(notification).catch((error: unknown) => logger.error({ err: error }, 'could not record a sent notification'));
    },
    onFailed: (notification, outcome) => {
      void desk
        ?.notifyFailed(notification, outcome)
        .catch((error: unknown) => logger.error({ err: error }, 'could not record a failed notification'));
    },
  });
  desk = createIncidentDesk({
    store,
    clock,
    rules: () => watcher?.current(),
    silences: () => silences.list(),
    planned: () => planned.active(),
    outbox,
    logger,
  });

  async function tick(): Promise<void> {
    await silences.refresh();
    await planned.refresh();
    await desk!.tick();
  }

  const sendDigest = (dayStartMs: number) =>
    sendDailyDigest({ store, outbox, config: watcher?.current(), budgets: options.budgets ?? [], dayStartMs });

  return {
    desk,
    planned,
    clock,
    budgets: options.budgets ?? [],
    silences,
    outbox,
    rules: () => watcher?.current(),
    rulesStatus: () => ({ ...status }),

    async observe(changes) {
      const outcomes = await desk!.observe(changes.map((change) => alertOf(change.anomaly)));
      for (const outcome of outcomes) if (outcome.action !== 'updated') logger.info(outcome, `alert routing: ${outcome.action}`);
      return outcomes;
    },

    async breakerChanged({ breaker, audit }) {
      if (breaker.reason.kind !== 'anomaly') return;
      // Tripped: from nothing or closed to open. Reset: from anything else to closed.
      const wasClosed = audit.fromState === null || audit.fromState === 'closed';
      const change = wasClosed && audit.toState === 'open' ? 'tripped' : !wasClosed && audit.toState === 'closed' ? 'reset' : undefined;
      if (change === undefined) return;
      await desk!.breakerChanged({
        anomalyId: breaker.reason.anomalyId,
        breakerId: breaker.id,
        scope: describeScope(breaker.scope),
        change,
        by: audit.actor,
      });
    },

    tick,
    sendDigest,

    async start() {
      watcher = await watchAlertRules(options, status, clock);
      await silences.refresh();
      await planned.refresh();
      await desk!.start();
      await outbox.start();
      if (options.manual) return;
      timer = setInterval(() => {
        if (ticking) return;
        ticking = tick()
          .catch((error: unknown) => logger.error({ err: error }, 'alerting tick failed'))
          .finally(() => {
            ticking = undefined;
          });
      }, ALERTING_TICK_MS);
      timer.unref();
      digestTask = cron.schedule(
        env.TOLLGATE_DIGEST_CRON || DEFAULT_DIGEST_SCHEDULE,
        () => {
          const today = Math.floor(clock() / DAY_MS) * DAY_MS;
          sendDigest(today - DAY_MS).catch((error: unknown) => logger.error({ err: error }, 'spend digest failed'));
        },
        { timezone: 'UTC' },
      );
    },

    async stop() {
      clearInterval(timer);
      await digestTask?.stop();
      await ticking;
      await outbox.stop();
      watcher?.close();
    },
  };
}
