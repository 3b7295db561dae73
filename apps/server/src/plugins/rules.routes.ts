import type { FastifyInstance } from 'fastify';
import { ANOMALY_KINDS, SEVERITIES, type AnomalyKind, type Severity } from '@tollgate/vocabulary';
import { describeRules, explainRouting } from '@tollgate/alerting';
import type { AlertingRuntime } from '../alerting-runtime.ts';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';
import { ROUTING_ANSWER_SCHEMA, RULES_ANSWER_SCHEMA } from './rules-view.schema.ts';

interface RoutingProbe {
  kind: AnomalyKind;
  severity: Severity;
  action: 'block' | 'challenge' | 'alert';
  costPerHourUsd: number;
  app?: string;
  flow?: string;
  country?: string;
  provider?: string;
}

/**
 * The alert-routing rules in force, readable (owners, route tree, inhibit rules, the last reload's
 * errors), and "who gets paged for this?": what `tollgate rules test` answers, over HTTP.
 */
export async function rulesRoutes(app: FastifyInstance, opts: { keyring: Keyring; alerting: AlertingRuntime }): Promise<void> {
  const read = requireScope(opts.keyring, 'read');
  const current = () => {
    const config = opts.alerting.rules();
    if (config === undefined) throw new TollgateError('TG_RULES_UNAVAILABLE', { details: opts.alerting.rulesStatus().lastError });
    return config;
  };

  app.get(
    '/v1/rules',
    {
      onRequest: read,
      schema: {
        summary: 'The alert-routing rules in force',
        tags: ['rules'],
        description:
          'Scope `read`. Owners (PagerDuty keys appear as their variable names), the route tree with inherited settings applied, inhibit rules, ' +
          "when the files were loaded, the errors of the last reload that failed (the last good rules stay in force), owners' webhooks " +
          'the egress guard refuses (`refusedWebhooks`: internal addresses not in TOLLGATE_EGRESS_ALLOW), and `unreachable`: ' +
          "each owner's destination that would fail now (a PagerDuty variable unset, Slack or webhooks not configured) and why.",
        response: { 200: RULES_ANSWER_SCHEMA, ...ERROR_RESPONSES },
      },
    },
    async () => {
      const status = opts.alerting.rulesStatus();
      const config = opts.alerting.rules();
      return {
        ...(config === undefined ? {} : describeRules(config)),
        dir: status.dir,
        unsetVariables: status.unsetVariables,
        refusedWebhooks: status.refusedWebhooks,
        unreachable: status.unreachable,
        loadedAt: status.loadedAt === undefined ? null : new Date(status.loadedAt).toISOString(),
        lastError:
          status.lastError === undefined ? null : { at: new Date(status.lastError.at).toISOString(), errors: status.lastError.errors },
      };
    },
  );

  app.post<{ Body: RoutingProbe }>(
    '/v1/rules/test',
    {
      onRequest: read,
      schema: {
        summary: 'Who gets paged for this?',
        tags: ['rules'],
        description:
          'Scope `read`. Routes a hypothetical anomaly through the rules in force: its owner, teams copied, channels, whether it pages and why, and the inhibit rules that could mute it.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: {
            kind: { type: 'string', enum: [...ANOMALY_KINDS] },
            severity: { type: 'string', enum: [...SEVERITIES], default: 'high' },
            action: { type: 'string', enum: ['block', 'challenge', 'alert'], default: 'alert' },
            costPerHourUsd: { type: 'number', minimum: 0, maximum: 1e9, default: 0 },
            app: { type: 'string', minLength: 1, maxLength: 64 },
            flow: { type: 'string', minLength: 1, maxLength: 32 },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            provider: { type: 'string', minLength: 1, maxLength: 64 },
          },
        },
        response: { 200: ROUTING_ANSWER_SCHEMA, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { kind, severity, action, costPerHourUsd, ...scope } = request.body;
      return explainRouting(current(), {
        id: 'routing-probe',
        kind,
        severity,
        action,
        costPerHourUsd,
        scope,
        state: 'open',
        summary: 'routing probe',
        observed: 0,
        expected: 0,
        openedAt: 0,
        updatedAt: 0,
      });
    },
  );
}
