import type { Severity } from '@tollgate/vocabulary';
import type { AlertLabel } from './alert-input.ts';
import type { Matcher } from './matcher.ts';

/** The accountability model (docs/accountability.md): who owns which part of an OTP-abuse incident. */
export const OWNER_ROLES = ['trigger_path', 'anomaly_response', 'provider_escalation', 'finance'] as const;
export type OwnerRole = (typeof OWNER_ROLES)[number];

/**
 * A PagerDuty Events API v2 routing key. The file names an environment variable, never the key,
 * so keys stay out of the repository; `envVar` is what gets persisted (outbox rows, logs).
 */
export interface PagerDutyTarget {
  envVar: string;
  routingKey: string;
}

/** Who is paged next when an incident stays unacknowledged `afterMs` after it opened. */
export interface EscalationContact {
  name: string;
  afterMs: number;
  slack?: string;
  pagerduty?: PagerDutyTarget;
}

/** How fast an owner promises to act, counted from the incident's opening. */
export interface ResponseTargets {
  /** Someone acknowledges within this. */
  acknowledgeMs?: number;
  /** The money stops within this: a breaker trips, or the incident is resolved. */
  mitigateMs?: number;
}

export interface Owner {
  name: string;
  role: OwnerRole;
  targets: ResponseTargets;
  slack?: string;
  pagerduty?: PagerDutyTarget;
  webhook?: string;
  escalation: EscalationContact[];
}

/** Whether alerts on a route page: always, never, or from a severity up. */
export type PagePolicy = { kind: 'always' } | { kind: 'never' } | { kind: 'min_severity'; severity: Severity };

export interface RouteTimings {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

/**
 * A node of the route tree with everything it inherits already applied (as Alertmanager does at
 * load), so routing an alert reads one node, never its ancestors.
 */
export interface RouteNode {
  /** Where the node stands in the file ("route.routes[1]"): part of group keys and messages. */
  path: string;
  file: string;
  line: number;
  /** Undefined only when neither this node nor an ancestor names a receiver. */
  receiver: string | undefined;
  matchers: Matcher[];
  /** Tollgate's addition: alerts costing less per hour than this do not match (how finance is copied on expensive ones). */
  minCostPerHourUsd: number | undefined;
  continue: boolean;
  groupBy: AlertLabel[];
  timings: RouteTimings;
  page: PagePolicy;
  routes: RouteNode[];
}

export interface InhibitRule {
  /** "alert-rules/routing.yaml:40 inhibit_rules[0]": how the CLI and reasons name the rule. */
  name: string;
  sourceMatchers: Matcher[];
  targetMatchers: Matcher[];
  equal: AlertLabel[];
}

export interface AlertingConfig {
  owners: Map<string, Owner>;
  route: RouteNode;
  inhibitRules: InhibitRule[];
  /** The files it was read from, in read order. */
  files: string[];
}

/** One problem in a rules file; printed as `file:line path: message`. */
export interface RuleError {
  file: string;
  line: number;
  path: string;
  message: string;
}

export function formatRuleError(error: RuleError): string {
  return `${error.file}:${error.line}${error.path === '' ? '' : ` ${error.path}`}: ${error.message}`;
}

/** Alertmanager's defaults, so a file that names no timings behaves as an Alertmanager user expects. */
export const DEFAULT_TIMINGS: RouteTimings = {
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 4 * 3_600_000,
};

/** Pages from high up unless the file says otherwise: a high-severity finding is money leaving now. */
export const DEFAULT_PAGE_POLICY: PagePolicy = { kind: 'min_severity', severity: 'high' };
