import { OWNER_ROLES } from '@tollgate/alerting';

/**
 * The answers of `GET /v1/rules` and `POST /v1/rules/test` (`describeRules`, `explainRouting` in
 * @tollgate/alerting): declared so the OpenAPI document, and the dashboard's generated types, say
 * what the rules page reads. Every field the answer carries is listed: the serializer drops the rest.
 */
const TIMINGS_SCHEMA = {
  type: 'object',
  required: ['groupWaitMs', 'groupIntervalMs', 'repeatIntervalMs'],
  properties: { groupWaitMs: { type: 'number' }, groupIntervalMs: { type: 'number' }, repeatIntervalMs: { type: 'number' } },
} as const;

const ESCALATION_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'afterMs'],
    properties: {
      name: { type: 'string' },
      afterMs: { type: 'number' },
      slack: { type: 'string' },
      pagerduty: { type: 'string', description: 'The environment variable holding the routing key, never the key.' },
    },
  },
} as const;

const ROLE_SCHEMA = { type: 'string', enum: [...OWNER_ROLES] } as const;

/** A node of the route tree, its inherited settings applied; shared, as it holds its child routes. */
export const ROUTE_VIEW_SCHEMA = {
  $id: 'RouteView',
  type: 'object',
  required: ['path', 'file', 'line', 'matchers', 'continue', 'groupBy', 'timings', 'page', 'routes'],
  properties: {
    path: { type: 'string' },
    file: { type: 'string' },
    line: { type: 'integer' },
    receiver: { type: 'string' },
    matchers: { type: 'array', items: { type: 'string' } },
    minCostPerHourUsd: { type: 'number' },
    continue: { type: 'boolean' },
    groupBy: { type: 'array', items: { type: 'string' } },
    timings: TIMINGS_SCHEMA,
    page: { type: 'string', description: '"always", "never" or "from <severity>".' },
    routes: { type: 'array', items: { $ref: 'RouteView#' } },
  },
} as const;

const OWNER_SCHEMA = {
  type: 'object',
  required: ['name', 'role', 'targets', 'escalation'],
  properties: {
    name: { type: 'string' },
    role: ROLE_SCHEMA,
    targets: { type: 'object', properties: { acknowledgeMs: { type: 'number' }, mitigateMs: { type: 'number' } } },
    slack: { type: 'string' },
    pagerduty: { type: 'string', description: 'The environment variable holding the routing key, never the key.' },
    webhook: { type: 'string' },
    escalation: ESCALATION_SCHEMA,
  },
} as const;

const UNREACHABLE_SCHEMA = {
  type: 'object',
  required: ['owner', 'channel', 'target', 'reason'],
  properties: {
    owner: { type: 'string' },
    channel: { type: 'string', enum: ['slack', 'pagerduty', 'webhook'] },
    target: { type: 'string' },
    reason: { type: 'string' },
  },
} as const;

/** `GET /v1/rules`: owners, route and inhibit rules are absent while no rules were ever loaded. */
export const RULES_ANSWER_SCHEMA = {
  type: 'object',
  required: ['dir', 'unsetVariables', 'refusedWebhooks', 'unreachable', 'loadedAt', 'lastError'],
  properties: {
    owners: { type: 'array', items: OWNER_SCHEMA },
    route: { $ref: 'RouteView#' },
    inhibit: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'source', 'target', 'equal'],
        properties: {
          name: { type: 'string' },
          source: { type: 'array', items: { type: 'string' } },
          target: { type: 'array', items: { type: 'string' } },
          equal: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    files: { type: 'array', items: { type: 'string' } },
    dir: { type: 'string', description: 'The rules directory: file names are shown relative to it.' },
    unsetVariables: { type: 'array', items: { type: 'string' } },
    refusedWebhooks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['owner', 'url', 'reason'],
        properties: { owner: { type: 'string' }, url: { type: 'string' }, reason: { type: 'string' } },
      },
    },
    unreachable: { type: 'array', items: UNREACHABLE_SCHEMA },
    loadedAt: { type: ['string', 'null'], format: 'date-time' },
    lastError: {
      type: ['object', 'null'],
      required: ['at', 'errors'],
      properties: { at: { type: 'string', format: 'date-time' }, errors: { type: 'array', items: { type: 'string' } } },
    },
  },
} as const;

/** `POST /v1/rules/test`: who gets paged for a hypothetical anomaly, and why. */
export const ROUTING_ANSWER_SCHEMA = {
  type: 'object',
  required: ['copies', 'matches', 'inhibitRules'],
  properties: {
    owner: { type: 'string' },
    copies: { type: 'array', items: { type: 'string' } },
    matches: {
      type: 'array',
      items: {
        type: 'object',
        required: ['routePath', 'receiver', 'role', 'copy', 'pages', 'pageReason', 'groupKey', 'timings', 'escalation'],
        properties: {
          routePath: { type: 'string' },
          receiver: { type: 'string' },
          role: ROLE_SCHEMA,
          copy: { type: 'boolean' },
          slack: { type: 'string' },
          webhook: { type: 'string' },
          pages: { type: 'boolean' },
          pageReason: { type: 'string' },
          groupKey: { type: 'string' },
          timings: TIMINGS_SCHEMA,
          escalation: ESCALATION_SCHEMA,
        },
      },
    },
    inhibitRules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'source', 'equal'],
        properties: {
          name: { type: 'string' },
          source: { type: 'array', items: { type: 'string' } },
          equal: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;
