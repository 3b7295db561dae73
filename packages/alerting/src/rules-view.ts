import type { AlertInput } from './alert-input.ts';
import { inhibitRulesTargeting } from './inhibition.ts';
import { primaryMatch, route } from './route-tree.ts';
import type { AlertingConfig, EscalationContact, Owner, PagePolicy, RouteNode, RouteTimings } from './rules-config.ts';

/** Plain data for people and the dashboard; PagerDuty appears as its variable name, never the key. */
export interface OwnerView {
  name: string;
  role: Owner['role'];
  targets: Owner['targets'];
  slack?: string;
  pagerduty?: string;
  webhook?: string;
  escalation: Array<{ name: string; afterMs: number; slack?: string; pagerduty?: string }>;
}

export interface RouteView {
  path: string;
  file: string;
  line: number;
  receiver?: string;
  matchers: string[];
  minCostPerHourUsd?: number;
  continue: boolean;
  groupBy: string[];
  timings: RouteTimings;
  page: string;
  routes: RouteView[];
}

export interface RulesView {
  owners: OwnerView[];
  route: RouteView;
  inhibit: Array<{ name: string; source: string[]; target: string[]; equal: string[] }>;
  files: string[];
}

/** One route an alert reaches, as "who gets paged for this?" answers it. */
export interface RoutingExplanation {
  owner?: string;
  copies: string[];
  matches: Array<{
    routePath: string;
    receiver: string;
    role: Owner['role'];
    copy: boolean;
    slack?: string;
    webhook?: string;
    pages: boolean;
    pageReason: string;
    groupKey: string;
    timings: RouteTimings;
    escalation: Array<{ name: string; afterMs: number }>;
  }>;
  inhibitRules: Array<{ name: string; source: string[]; equal: string[] }>;
}

export function describeRules(config: AlertingConfig): RulesView {
  return {
    owners: [...config.owners.values()].map(ownerView),
    route: routeView(config.route),
    inhibit: config.inhibitRules.map((rule) => ({
      name: rule.name,
      source: rule.sourceMatchers.map((m) => m.text),
      target: rule.targetMatchers.map((m) => m.text),
      equal: [...rule.equal],
    })),
    files: [...config.files],
  };
}

/** Where an alert would go and why: owner, copies, channels, paging, and the inhibit rules that could mute it. */
export function explainRouting(config: AlertingConfig, alert: AlertInput): RoutingExplanation {
  const matches = route(config, alert);
  const owner = primaryMatch(matches);
  return {
    ...(owner === undefined ? {} : { owner: owner.receiver }),
    copies: [...new Set(matches.filter((match) => match !== owner).map((match) => match.receiver))],
    matches: matches.map((match) => ({
      routePath: match.routePath,
      receiver: match.receiver,
      role: match.owner.role,
      copy: match.continued,
      ...(match.slack === undefined ? {} : { slack: match.slack }),
      ...(match.webhook === undefined ? {} : { webhook: match.webhook }),
      pages: match.page.pages,
      pageReason: match.page.reason,
      groupKey: match.groupKey,
      timings: match.timings,
      escalation: match.owner.escalation.map((contact) => ({ name: contact.name, afterMs: contact.afterMs })),
    })),
    inhibitRules: inhibitRulesTargeting(config, alert).map((rule) => ({
      name: rule.name,
      source: rule.sourceMatchers.map((m) => m.text),
      equal: [...rule.equal],
    })),
  };
}

function ownerView(owner: Owner): OwnerView {
  return {
    name: owner.name,
    role: owner.role,
    targets: owner.targets,
    ...(owner.slack === undefined ? {} : { slack: owner.slack }),
    ...(owner.pagerduty === undefined ? {} : { pagerduty: owner.pagerduty.envVar }),
    ...(owner.webhook === undefined ? {} : { webhook: owner.webhook }),
    escalation: owner.escalation.map(contactView),
  };
}

function contactView(contact: EscalationContact): OwnerView['escalation'][number] {
  return {
    name: contact.name,
    afterMs: contact.afterMs,
    ...(contact.slack === undefined ? {} : { slack: contact.slack }),
    ...(contact.pagerduty === undefined ? {} : { pagerduty: contact.pagerduty.envVar }),
  };
}

function routeView(node: RouteNode): RouteView {
  return {
    path: node.path,
    file: node.file,
    line: node.line,
    ...(node.receiver === undefined ? {} : { receiver: node.receiver }),
    matchers: node.matchers.map((m) => m.text),
    ...(node.minCostPerHourUsd === undefined ? {} : { minCostPerHourUsd: node.minCostPerHourUsd }),
    continue: node.continue,
    groupBy: [...node.groupBy],
    timings: node.timings,
    page: pageText(node.page),
    routes: node.routes.map(routeView),
  };
}

function pageText(policy: PagePolicy): string {
  if (policy.kind === 'always') return 'always';
  if (policy.kind === 'never') return 'never';
  return `from ${policy.severity}`;
}
