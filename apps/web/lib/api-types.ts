/**
 * The shapes of the API answers the pages read, named over the types generated from the server's
 * OpenAPI document (api-schema.ts, `npm run api:types`): when an answer changes on the server, the
 * pages that read it stop type-checking instead of rendering blanks.
 */
import type { paths } from './api-schema.ts';

/** The JSON body a route answers with on success (200). */
type Answer<Path extends keyof paths, Method extends keyof paths[Path]> = paths[Path][Method] extends {
  responses: { 200: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;

/** GET /v1/sessions/current: who is signed in, and the scopes the API grants them. */
export type Viewer = Answer<'/v1/sessions/current', 'get'>;

export type IncidentsAnswer = Answer<'/v1/incidents', 'get'>;
export type IncidentAnswer = Answer<'/v1/incidents/{id}', 'get'>;
export type AnomaliesAnswer = Answer<'/v1/anomalies', 'get'>;
export type AnomalyAnswer = Answer<'/v1/anomalies/{id}', 'get'>;

export type Incident = IncidentAnswer['incident'];
export type IncidentAnomaly = Incident['anomalies'][number];
export type TimelineEntry = IncidentAnswer['timeline'][number];

export type Anomaly = AnomalyAnswer['anomaly'];
export type SeriesPoint = AnomalyAnswer['series'][number];

export type Breaker = Answer<'/v1/breakers', 'get'>[number];
export type AuditEntry = Answer<'/v1/breakers/{id}/audit', 'get'>[number];
/** Which traffic a breaker, an anomaly or a planned event is about. */
export type Scope = Breaker['scope'];

/** A point holds the fields the request asked for (`fields`), so each may be absent. */
export type TrafficAnswer = Answer<'/v1/metrics/traffic', 'get'>;
export type TrafficPoint = TrafficAnswer['series'][number]['points'][number];
export type DecisionsAnswer = Answer<'/v1/metrics/decisions', 'get'>;

/** "country=UZ prefix=+998 90" — a scope as on-call reads it. */
export function scopeText(scope: Scope): string {
  const parts = Object.entries(scope).filter(([, v]) => v !== undefined && v !== '');
  return parts.length === 0 ? 'everything' : parts.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** GET /v1/silences: matchers in the routing files' syntax; times ISO-8601. */
export type SilencesAnswer = Answer<'/v1/silences', 'get'>;
export type Silence = SilencesAnswer['silences'][number];

/** GET /v1/planned-events: an expected change, its window (ISO-8601) and who owns its scope's alerts meanwhile. */
export type PlannedEventsAnswer = Answer<'/v1/planned-events', 'get'>;
export type PlannedEvent = PlannedEventsAnswer['events'][number];

/** GET /v1/rules: owners, route tree and inhibit rules are absent while no rules were ever loaded. */
export type RulesAnswer = Answer<'/v1/rules', 'get'>;
/** A node of the route tree, its inherited settings applied. */
export type RouteView = NonNullable<RulesAnswer['route']>;
/** An owner's destination that would fail now, and why. */
export type Unreachable = RulesAnswer['unreachable'][number];
/** POST /v1/rules/test: who gets paged for a hypothetical anomaly. */
export type RoutingAnswer = Answer<'/v1/rules/test', 'post'>;

export type OwnersAnswer = Answer<'/v1/owners', 'get'>;
export type OwnerPerformance = OwnersAnswer['owners'][number];
/** A response time measured over an owner's incidents (GET /v1/owners). */
export type ResponseMeasure = OwnerPerformance['acknowledge'];

/** GET /v1/users (admin): never a password hash; `disabled` is a removed user. */
export type UserSummary = Answer<'/v1/users', 'get'>[number];

export type PolicyBacktestAnswer = Answer<'/v1/policy/backtest', 'post'>;
/** One app and flow of `POST /v1/policy/backtest`: sessions by the decision their first send would have got. */
export type PolicyBacktestGroup = PolicyBacktestAnswer['total'];
