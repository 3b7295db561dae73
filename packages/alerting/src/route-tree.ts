import { severityAtLeast } from '@tollgate/vocabulary';
import { labelsOf, type AlertInput, type AlertLabel, type AlertLabels } from './alert-input.ts';
import { matchesAll } from './matcher.ts';
import type { AlertingConfig, Owner, PagerDutyTarget, RouteNode, RouteTimings } from './rules-config.ts';

/** What routing needs of an alert. */
export type RoutableAlert = Pick<AlertInput, 'kind' | 'severity' | 'scope' | 'action' | 'costPerHourUsd'>;

/** Whether a match pages, and why: the answer `tollgate rules test` prints and incidents record. */
export type PageDecision = { pages: true; reason: string } | { pages: false; reason: string };

/** One route an alert reached: who owns it there, where they hear about it, and how it is grouped. */
export interface RouteMatch {
  routePath: string;
  receiver: string;
  owner: Owner;
  slack: string | undefined;
  pagerduty: PagerDutyTarget | undefined;
  webhook: string | undefined;
  page: PageDecision;
  /** Alerts with the same key form one group (one incident, one notification stream). */
  groupKey: string;
  groupLabels: Partial<Record<AlertLabel, string>>;
  timings: RouteTimings;
  /** The route lets later siblings match too: a copy (finance on expensive findings) rather than the owner. */
  continued: boolean;
}

/**
 * The routes an alert reaches, in tree order, exactly as Alertmanager walks its tree: a route
 * that matches hands the alert to its children in order, stopping at the first child that matches
 * unless that child says `continue`; a route none of whose children match takes the alert itself.
 */
export function route(config: AlertingConfig, alert: RoutableAlert): RouteMatch[] {
  const labels = labelsOf(alert);
  return matchingRoutes(config.route, alert).flatMap((node) => {
    const owner = node.receiver === undefined ? undefined : config.owners.get(node.receiver);
    return owner === undefined ? [] : [toMatch(node, owner, alert, labels)];
  });
}

/** The route nodes an alert reaches, receivers unresolved (what the ownership lint probes). */
export function matchingRoutes(root: RouteNode, alert: RoutableAlert): RouteNode[] {
  return walk(root, labelsOf(alert), alert.costPerHourUsd);
}

/**
 * The owner of the incident an alert belongs to: the first route reached that does not
 * `continue`, since a continuing route is by design a copy to someone beside the owner.
 */
export function primaryMatch(matches: readonly RouteMatch[]): RouteMatch | undefined {
  return matches.find((match) => !match.continued) ?? matches[0];
}

function walk(node: RouteNode, labels: AlertLabels, costPerHourUsd: number): RouteNode[] {
  if (!matchesAll(node.matchers, labels)) return [];
  if (node.minCostPerHourUsd !== undefined && costPerHourUsd < node.minCostPerHourUsd) return [];
  const reached: RouteNode[] = [];
  for (const child of node.routes) {
    const childReached = walk(child, labels, costPerHourUsd);
    reached.push(...childReached);
    if (childReached.length > 0 && !child.continue) break;
  }
  return reached.length > 0 ? reached : [node];
}

function toMatch(node: RouteNode, owner: Owner, alert: RoutableAlert, labels: AlertLabels): RouteMatch {
  const groupLabels = Object.fromEntries(node.groupBy.map((label) => [label, labels[label]]));
  return {
    routePath: node.path,
    receiver: owner.name,
    owner,
    slack: owner.slack,
    pagerduty: owner.pagerduty,
    webhook: owner.webhook,
    page: pageDecision(node, owner, alert),
    groupKey: groupKeyOf(node, groupLabels),
    groupLabels,
    timings: node.timings,
    continued: node.continue,
  };
}

/** `route.routes[0]:{kind="volume_spike",country="RU"}`, like Alertmanager's group keys. */
function groupKeyOf(node: RouteNode, groupLabels: Record<string, string>): string {
  const labels = Object.entries(groupLabels).map(([label, value]) => `${label}=${JSON.stringify(value)}`);
  return `${node.path}:{${labels.join(',')}}`;
}

function pageDecision(node: RouteNode, owner: Owner, alert: RoutableAlert): PageDecision {
  const policy = node.page;
  if (policy.kind === 'never') return { pages: false, reason: `${node.path} never pages` };
  if (policy.kind === 'min_severity' && !severityAtLeast(alert.severity, policy.severity)) {
    return { pages: false, reason: `${alert.severity} is below ${policy.severity}, the lowest severity ${node.path} pages for` };
  }
  if (owner.pagerduty === undefined) return { pages: false, reason: `owner "${owner.name}" has no pagerduty to page` };
  const why = policy.kind === 'always' ? `${node.path} always pages` : `${alert.severity} is at least ${policy.severity}`;
  return { pages: true, reason: `${why}: pages "${owner.name}" through ${owner.pagerduty.envVar}` };
}
