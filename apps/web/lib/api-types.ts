/** The shapes of the API answers the pages read (see the server's OpenAPI document at /docs/json). */
export type Scope = { app?: string; flow?: string; country?: string; prefix?: string; asn?: number; provider?: string };

export interface IncidentAnomaly {
  id: string;
  kind: string;
  severity: string;
  state: string;
  scope: Scope;
  summary: string;
  costPerHourUsd?: number;
}

export interface Incident {
  id: string;
  title: string;
  owner: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  state: 'triggered' | 'acknowledged' | 'resolved';
  category: 'auth' | 'billing' | 'delivery';
  kinds: string[];
  openedAt: string;
  updatedAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  spendUsd: number;
  preventedUsd: number;
  costPerHourUsd?: number;
  anomalies: IncidentAnomaly[];
}

export interface TimelineEntry {
  at: string;
  actor: string;
  type: string;
  [detail: string]: unknown;
}

export interface Anomaly {
  id: string;
  kind: string;
  state: 'open' | 'resolved';
  scope: Scope;
  severity: string;
  observed: number;
  expected: number;
  unit?: string;
  costPerHourUsd?: number;
  summary: string;
  windowStartMs: number;
  windowEndMs: number;
  contributors?: { dimension: string; value: string; count: number; share: number; label?: string }[];
  facts?: Record<string, unknown>;
}

export interface SeriesPoint {
  ts: number;
  observed: number;
  expected: number;
  low: number;
  high: number;
}

export interface Breaker {
  id: string;
  version: number;
  scope: Scope;
  action: 'block' | 'challenge' | 'throttle';
  mode: 'enforce' | 'shadow';
  state: 'closed' | 'open' | 'half_open';
  reason: { kind: 'anomaly'; anomaly_id: string } | { kind: 'manual'; actor: string; note: string };
  opened_at: number | null;
  /** When an open breaker lets its first probes through (opened_at plus the escalated cooldown). */
  half_open_at: number | null;
  expires_at: number | null;
  cooldown_s: number;
  probe_share: number;
  reopen_count: number;
  updated_at: number;
}

export interface AuditEntry {
  ts: number;
  version: number;
  event: string;
  from_state: string;
  to_state: string;
  actor: string;
  detail: string;
}

/** A point holds the fields the request asked for (`fields`), so each may be absent. */
export interface TrafficPoint {
  ts: number;
  sends?: number;
  sessions?: number;
  verified_sessions?: number;
  conversion?: number | null;
  cost_est_usd?: number;
  cost_billed_usd?: number;
  failed_sends?: number;
}

export interface TrafficAnswer {
  from: number;
  to: number;
  series: { key: string; points: TrafficPoint[] }[];
}

export interface DecisionsAnswer {
  points: { ts: number; allowed: number; challenged: number; blocked: number; shadow_blocked: number; saved_usd: number }[];
}

/** "country=UZ prefix=+998 90" — a scope as on-call reads it. */
export function scopeText(scope: Scope): string {
  const parts = Object.entries(scope).filter(([, v]) => v !== undefined && v !== '');
  return parts.length === 0 ? 'everything' : parts.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** GET /v1/silences: matchers in the routing files' syntax; times ISO-8601. */
export interface Silence {
  id: string;
  matchers: string[];
  author: string;
  reason: string;
  startsAt: string;
  endsAt: string;
  createdAt: string;
}

/** GET /v1/planned-events: an expected change, its window (ISO-8601) and who owns its scope's alerts meanwhile. */
export interface PlannedEvent {
  id: string;
  kind: string;
  scope: Scope;
  startsAt: string;
  endsAt: string;
  volumeMultiplier: number;
  owner?: string;
  note: string;
  author: string;
  createdAt: string;
}

/** A response time measured over an owner's incidents (GET /v1/owners). */
export interface ResponseMeasure {
  measured: number;
  medianMs?: number;
  p90Ms?: number;
  withinTarget?: number;
}

export interface OwnerPerformance {
  owner: string;
  role: string;
  targets: { acknowledgeMs?: number; mitigateMs?: number };
  incidents: number;
  open: number;
  acknowledge: ResponseMeasure;
  mitigate: ResponseMeasure;
  overdue: { incidentId: string; title: string; target: 'acknowledge' | 'mitigate'; overdueMs: number }[];
}

export interface OwnersAnswer {
  from: string;
  to: string;
  owners: OwnerPerformance[];
  unownedKinds: { kind: string; severities: string[] }[];
}

/** GET /v1/users (admin): never a password hash; `disabled` is a removed user. */
export interface UserSummary {
  name: string;
  role: string;
  created_at: number;
  disabled: boolean;
}

/** One app and flow of `POST /v1/policy/backtest`: sessions by the decision their first send would have got. */
export interface PolicyBacktestGroup {
  app: string;
  flow: string;
  sessions: number;
  allowed: number;
  challenged: number;
  blocked: number;
  /** Of those, the sessions that verified: legitimate users. */
  verified: { allowed: number; challenged: number; blocked: number };
  sends: number;
  spend_usd: number;
  spend_stopped_usd: number;
  spend_challenged_usd: number;
}

export interface PolicyBacktestAnswer {
  from: string;
  to: string;
  groups: PolicyBacktestGroup[];
  total: PolicyBacktestGroup;
}
