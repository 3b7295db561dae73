import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ALERT_CATEGORIES,
  ANOMALY_KINDS,
  categoryOf,
  kindsOf,
  SEVERITIES,
  type AlertCategory,
  type AnomalyKind,
} from '@tollgate/vocabulary';
import { fromIncidentRecord, type DeskResult, type Incident, type StoredSilence } from '@tollgate/alerting';
import { listIncidents, type Store } from '@tollgate/store';
import type { AlertingRuntime } from '../alerting-runtime.ts';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import { BREAKER_SCOPE_SCHEMA } from './breaker-view.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';
import { parseTime } from './traffic.routes.ts';

const ERRORS = { ...ERROR_RESPONSES, 404: { $ref: 'ErrorBody#' }, 409: { $ref: 'ErrorBody#' } } as const;
const INCIDENT_ID = { type: 'object', properties: { id: { type: 'string', pattern: '^inc_[0-9a-f]{16}$' } } } as const;
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

const INCIDENT_SCHEMA = {
  type: 'object',
  required: [
    'id',
    'title',
    'owner',
    'severity',
    'state',
    'category',
    'kinds',
    'openedAt',
    'updatedAt',
    'spendUsd',
    'preventedUsd',
    'anomalies',
  ],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    owner: { type: 'string' },
    severity: { type: 'string', enum: [...SEVERITIES] },
    state: { type: 'string', enum: ['triggered', 'acknowledged', 'resolved'] },
    category: {
      type: 'string',
      enum: [...ALERT_CATEGORIES],
      description: 'auth (verify attacks), billing (money leaving), delivery (a provider failing or slow).',
    },
    kinds: { type: 'array', items: { type: 'string' } },
    openedAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    acknowledgedAt: { type: 'string', format: 'date-time' },
    acknowledgedBy: { type: 'string' },
    resolvedAt: { type: 'string', format: 'date-time' },
    resolvedBy: { type: 'string' },
    spendUsd: { type: 'number', description: "Estimated cost of the traffic in the incident's scopes while it was open (USD)." },
    preventedUsd: { type: 'number', description: 'Sends refused in its scopes while it was open, priced (USD).' },
    costPerHourUsd: { type: 'number', description: 'Money leaving per hour through its open anomalies now.' },
    escalatedLevels: { type: 'integer' },
    anomalies: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind', 'severity', 'state', 'scope', 'summary'],
        properties: {
          id: { type: 'string' },
          kind: { type: 'string' },
          severity: { type: 'string' },
          state: { type: 'string' },
          action: { type: 'string' },
          scope: BREAKER_SCOPE_SCHEMA,
          summary: { type: 'string' },
          costPerHourUsd: { type: 'number' },
          observed: { type: 'number' },
          expected: { type: 'number' },
        },
      },
    },
  },
} as const;

const TIMELINE_SCHEMA = {
  type: 'array',
  description:
    'Opened, anomalies added, notified where, paged, escalated, acknowledged by whom, notes, reassignments, breakers tripped or reset, resolved.',
  items: {
    type: 'object',
    required: ['at', 'actor', 'type'],
    properties: { at: { type: 'string', format: 'date-time' }, actor: { type: 'string' }, type: { type: 'string' } },
    additionalProperties: true,
  },
} as const;

const SILENCE_SCHEMA = {
  type: 'object',
  required: ['id', 'matchers', 'author', 'reason', 'startsAt', 'endsAt', 'createdAt'],
  properties: {
    id: { type: 'string' },
    matchers: { type: 'array', items: { type: 'string' } },
    author: { type: 'string' },
    reason: { type: 'string' },
    startsAt: { type: 'string', format: 'date-time' },
    endsAt: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** An incident as the API shows it: times as ISO-8601, its category and kinds spelled out. */
export function incidentView(incident: Incident) {
  const kinds = [...new Set(incident.anomalies.map((anomaly) => anomaly.kind))];
  return {
    id: incident.id,
    title: incident.title,
    owner: incident.owner,
    severity: incident.severity,
    state: incident.state,
    category: categoryOf(incident.anomalies[0]?.kind ?? 'volume_spike'),
    kinds,
    openedAt: iso(incident.openedAt),
    updatedAt: iso(incident.updatedAt),
    acknowledgedAt: iso(incident.acknowledgedAt),
    acknowledgedBy: incident.acknowledgedBy,
    resolvedAt: iso(incident.resolvedAt),
    resolvedBy: incident.resolvedBy,
    spendUsd: incident.spendUsd,
    preventedUsd: incident.preventedUsd,
    costPerHourUsd: incident.anomalies.filter((a) => a.state === 'open').reduce((sum, a) => sum + a.costPerHourUsd, 0),
    escalatedLevels: incident.escalatedLevels,
    anomalies: incident.anomalies,
  };
}

function silenceView(silence: StoredSilence) {
  return {
    id: silence.id,
    matchers: silence.matchers.map((matcher) => matcher.text),
    author: silence.author,
    reason: silence.reason,
    startsAt: iso(silence.startsAt),
    endsAt: iso(silence.endsAt),
    createdAt: iso(silence.createdAt),
  };
}

function answer(result: DeskResult) {
  if (result.ok) return { incident: incidentView(result.incident) };
  if (result.status === 404) throw new TollgateError('TG_NOT_FOUND', { field: 'id', message: `${result.error.message}.` });
  throw new TollgateError('TG_INCIDENT_CONFLICT', { message: `${result.error.message}.`, details: { code: result.error.code } });
}

interface IncidentQuery {
  state?: string;
  owner?: string;
  kind?: AnomalyKind;
  category?: AlertCategory;
  app?: string;
  severity?: string;
  from?: string;
  to?: string;
  limit: number;
}

/**
 * Incidents (auth and billing alerts in one list) and what on-call does with them, plus silences.
 * Reading needs `read`; acknowledging, resolving, notes, reassignment and silences need `operate`.
 */
export async function incidentRoutes(
  app: FastifyInstance,
  opts: { store: Store; keyring: Keyring; alerting: AlertingRuntime },
): Promise<void> {
  const routes: IncidentRoutes = {
    store: opts.store,
    read: requireScope(opts.keyring, 'read'),
    operate: requireScope(opts.keyring, 'operate'),
    desk: opts.alerting.desk,
    silences: opts.alerting.silences,
  };
  incidentReadRoutes(app, routes);
  incidentActionRoutes(app, routes);
  silenceRoutes(app, routes);
}

/** What the incident and silence routes share: the store, the two scope checks, alerting's desk and silences. */
interface IncidentRoutes {
  store: Store;
  read: ReturnType<typeof requireScope>;
  operate: ReturnType<typeof requireScope>;
  desk: AlertingRuntime['desk'];
  silences: AlertingRuntime['silences'];
}

/** Who did it: the API key's or the signed-in user's name. */
const actor = (request: FastifyRequest) => request.principal?.name ?? 'unknown';

/** Reading incidents: the filtered list, and one incident with its timeline. */
function incidentReadRoutes(app: FastifyInstance, routes: IncidentRoutes): void {
  const { store, read, desk } = routes;

  app.get<{ Querystring: IncidentQuery }>(
    '/v1/incidents',
    {
      onRequest: read,
      schema: {
        summary: 'Incidents: auth, billing and delivery alerts in one list',
        tags: ['incidents'],
        description:
          'Scope `read`. Newest first. `kind` and `app` keep incidents holding such an anomaly; `from`/`to` bound the opening time (ISO-8601 or epoch ms).',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: ['triggered', 'acknowledged', 'resolved'] },
            owner: { type: 'string', maxLength: 64 },
            kind: { type: 'string', enum: [...ANOMALY_KINDS] },
            category: { type: 'string', enum: [...ALERT_CATEGORIES] },
            app: { type: 'string', maxLength: 64 },
            severity: { type: 'string', enum: [...SEVERITIES] },
            from: { type: 'string' },
            to: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: {
          200: { type: 'object', required: ['incidents'], properties: { incidents: { type: 'array', items: INCIDENT_SCHEMA } } },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const fromMs = q.from === undefined ? undefined : parseTime(q.from, 'from');
      const toMs = q.to === undefined ? undefined : parseTime(q.to, 'to');
      if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs)
        throw new TollgateError('TG_REQUEST_INVALID', { field: 'from', message: '"from" must be before "to".' });
      if (q.kind && q.category && categoryOf(q.kind) !== q.category) return { incidents: [] };
      const kinds = q.kind ? [q.kind] : q.category ? kindsOf(q.category) : [];
      const records = await listIncidents(store, {
        ...(q.state ? { state: q.state } : {}),
        ...(q.owner ? { owner: q.owner } : {}),
        ...(q.severity ? { severity: q.severity } : {}),
        ...(q.app ? { app: q.app } : {}),
        kinds,
        ...(fromMs === undefined ? {} : { fromMs }),
        ...(toMs === undefined ? {} : { toMs }),
        limit: q.limit,
      });
      return { incidents: records.map((record) => incidentView(fromIncidentRecord(record, []))) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/incidents/:id',
    {
      onRequest: read,
      schema: {
        summary: 'One incident with its timeline',
        tags: ['incidents'],
        description: 'Scope `read`. The incident, its anomalies with their evidence, its money and its timeline.',
        params: INCIDENT_ID,
        response: {
          200: { type: 'object', required: ['incident', 'timeline'], properties: { incident: INCIDENT_SCHEMA, timeline: TIMELINE_SCHEMA } },
          ...ERRORS,
        },
      },
    },
    async (request) => {
      const incident = await desk.get(request.params.id);
      if (!incident) throw new TollgateError('TG_NOT_FOUND', { field: 'id', message: `No incident "${request.params.id}".` });
      return { incident: incidentView(incident), timeline: incident.timeline.map((entry) => ({ ...entry, at: iso(entry.at) })) };
    },
  );
}

/** What on-call does to an incident: acknowledge, resolve, add a note, hand it to another owner. */
function incidentActionRoutes(app: FastifyInstance, routes: IncidentRoutes): void {
  const { operate, desk } = routes;

  const action = <Body>(
    path: string,
    summary: string,
    description: string,
    body: object,
    run: (id: string, by: string, body: Body) => Promise<DeskResult>,
  ) =>
    app.post<{ Params: { id: string }; Body: Body }>(
      `/v1/incidents/:id/${path}`,
      {
        onRequest: operate,
        schema: {
          summary,
          tags: ['incidents'],
          description: `Scope \`operate\`. ${description}`,
          params: INCIDENT_ID,
          body,
          response: { 200: { type: 'object', required: ['incident'], properties: { incident: INCIDENT_SCHEMA } }, ...ERRORS },
        },
      },
      async (request) => answer(await run(request.params.id, actor(request), request.body as Body)),
    );

  const EMPTY = { type: 'object', additionalProperties: false, properties: {} };
  action<Record<string, never>>(
    'acknowledge',
    'Acknowledge an incident',
    'Stops escalation; Slack messages update in place, PagerDuty is acknowledged. 409 when already acknowledged or resolved.',
    EMPTY,
    (id, by) => desk.acknowledge(id, by),
  );
  action<{ reason?: string }>(
    'resolve',
    'Resolve an incident',
    'Resolves it even while its anomalies still fire (a false positive, or handled elsewhere): those anomalies open no new incident. Slack updates, PagerDuty resolves.',
    { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } } },
    (id, by, body) => desk.resolve(id, by, body?.reason ?? `resolved by ${by}`),
  );
  action<{ text: string }>(
    'notes',
    'Add a note to an incident',
    'The note goes on the timeline and into the Slack thread.',
    {
      type: 'object',
      additionalProperties: false,
      required: ['text'],
      properties: { text: { type: 'string', minLength: 1, maxLength: 2000 } },
    },
    (id, by, body) => desk.note(id, by, body.text),
  );
  action<{ owner: string; reason: string }>(
    'reassign',
    'Hand an incident to another owner',
    'The new owner (a name from alert-rules/owners) is notified on their channels; the old one hears it in the thread.',
    {
      type: 'object',
      additionalProperties: false,
      required: ['owner', 'reason'],
      properties: { owner: { type: 'string', minLength: 1, maxLength: 64 }, reason: { type: 'string', minLength: 1, maxLength: 500 } },
    },
    (id, by, body) => desk.reassign(id, { by, to: body.owner, reason: body.reason }),
  );
}

/** Silences: the live and scheduled ones, adding one, ending one early. */
function silenceRoutes(app: FastifyInstance, routes: IncidentRoutes): void {
  const { read, operate, silences } = routes;

  app.get(
    '/v1/silences',
    {
      onRequest: read,
      schema: {
        summary: 'Live and scheduled silences',
        tags: ['silences'],
        description: 'Scope `read`. Silences not ended yet; an anomaly matching every matcher of one opens no incident while it lasts.',
        response: {
          200: { type: 'object', required: ['silences'], properties: { silences: { type: 'array', items: SILENCE_SCHEMA } } },
          ...ERRORS,
        },
      },
    },
    async () => {
      await silences.refresh();
      return { silences: silences.list().map(silenceView) };
    },
  );

  app.post<{ Body: { matchers: string[]; reason: string; startsAt?: string; endsAt: string } }>(
    '/v1/silences',
    {
      onRequest: operate,
      schema: {
        summary: 'Silence matching anomalies for a while',
        tags: ['silences'],
        description:
          'Scope `operate`. Matchers in the routing files\' syntax (`kind="conversion_drop"`, `country=~"ID|PH"`); at most 7 days; the author is the caller.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['matchers', 'reason', 'endsAt'],
          properties: {
            matchers: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 300 } },
            reason: { type: 'string', minLength: 1, maxLength: 500 },
            startsAt: { type: 'string' },
            endsAt: { type: 'string' },
          },
        },
        response: { 201: { type: 'object', required: ['silence'], properties: { silence: SILENCE_SCHEMA } }, ...ERRORS },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await silences.create({
        matchers: body.matchers,
        author: actor(request),
        reason: body.reason,
        ...(body.startsAt === undefined ? {} : { startsAt: parseTime(body.startsAt, 'startsAt') }),
        endsAt: parseTime(body.endsAt, 'endsAt'),
      });
      if (!result.ok) {
        const field = result.errors[0]?.split(':')[0]?.replace(/\[\d+\]$/, '') ?? 'matchers';
        throw new TollgateError('TG_REQUEST_INVALID', { field, message: result.errors.join('; '), details: result.errors });
      }
      reply.code(201);
      return { silence: silenceView(result.silence) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/silences/:id',
    {
      onRequest: operate,
      schema: {
        summary: 'End a silence now',
        tags: ['silences'],
        description: 'Scope `operate`. The silence stays on record with its end moved to now.',
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^sil_[0-9a-f-]{36}$' } } },
        response: { 200: { type: 'object', required: ['silence'], properties: { silence: SILENCE_SCHEMA } }, ...ERRORS },
      },
    },
    async (request) => {
      const result = await silences.expire(request.params.id);
      if (!result.ok) throw new TollgateError('TG_NOT_FOUND', { field: 'id', message: `${result.errors.join('; ')}.` });
      return { silence: silenceView(result.silence) };
    },
  );
}
