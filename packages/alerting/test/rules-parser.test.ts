import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRuleError, loadRules, parseRules, type RulesParse } from '../src/index.ts';
import { SHIPPED_ENV, SHIPPED_RULES_DIR } from './fixtures/alerts.ts';

const OWNERS = `owners:
  - name: fraud
    role: anomaly_response
    slack: "#fraud"
    pagerduty: \${PD_FRAUD_KEY}
  - name: iam
    role: trigger_path
    slack: "#iam"
`;

function parse(routing: string, owners = OWNERS, env: Record<string, string> = { PD_FRAUD_KEY: 'k' }): RulesParse {
  return parseRules(
    [
      { file: 'alert-rules/owners.yaml', text: owners },
      { file: 'alert-rules/routing.yaml', text: routing },
    ],
    env,
  );
}

function messages(parsed: RulesParse): string[] {
  return parsed.ok ? [] : parsed.errors.map(formatRuleError);
}

describe('the shipped alert-rules/', () => {
  it('validates as shipped, with the breaker policy beside it ignored', async () => {
    const parsed = await loadRules(SHIPPED_RULES_DIR, SHIPPED_ENV);
    expect(messages(parsed)).toEqual([]);
    if (!parsed.ok) return;
    expect([...parsed.config.owners.keys()]).toEqual(['fraud', 'iam', 'messaging-vendor', 'finance']);
    expect(parsed.config.files.map((file) => file.slice(SHIPPED_RULES_DIR.length))).toEqual(['owners.yaml', 'routing.yaml']);
    expect(parsed.config.owners.get('fraud')?.pagerduty).toEqual({ envVar: 'PD_FRAUD_KEY', routingKey: 'pd-fraud-routing-key' });
    expect(parsed.config.owners.get('fraud')?.escalation.map((c) => [c.name, c.afterMs])).toEqual([
      ['fraud-secondary', 900_000],
      ['fraud-lead', 2_700_000],
    ]);
  });

  it('names the PagerDuty variable that is not set', async () => {
    const parsed = await loadRules(SHIPPED_RULES_DIR, { PD_FRAUD_KEY: 'k' });
    expect(messages(parsed)).toEqual([
      expect.stringMatching(
        /owners\.yaml:\d+ owners\[1\]\.pagerduty: environment variable PD_IAM_KEY is not set \(it holds the PagerDuty routing key of owner "iam"\)/,
      ),
      expect.stringMatching(/owners\.yaml:\d+ owners\[1\]\.escalation\[0\]\.pagerduty: environment variable PD_IAM_KEY is not set/),
    ]);
  });
});

describe('rule validation', () => {
  it.each([
    [
      'an unknown label in a matcher',
      'route:\n  receiver: fraud\n  routes:\n    - receiver: iam\n      matchers: [\'contry="US"\']\n',
      'alert-rules/routing.yaml:5 route.routes[0].matchers[0]: unknown label "contry" (labels: kind, severity, app, flow, country, provider, action)',
    ],
    [
      'a misspelt anomaly kind',
      'route:\n  receiver: fraud\n  routes:\n    - receiver: iam\n      matchers:\n        - kind="verify_brutforce"\n',
      'alert-rules/routing.yaml:6 route.routes[0].matchers[0]: "kind="verify_brutforce"" matches no kind',
    ],
    [
      'a regex that matches no severity',
      'route:\n  receiver: fraud\n  routes:\n    - matchers: [\'severity=~"hi|crit"\']\n',
      'alert-rules/routing.yaml:4 route.routes[0].matchers[0]: "severity=~"hi|crit"" matches no severity',
    ],
    [
      'a receiver that is not an owner',
      'route:\n  receiver: fraud\n  routes:\n    - receiver: frud\n',
      'alert-rules/routing.yaml:4 route.routes[0].receiver: unknown receiver "frud" (owners: fraud, iam)',
    ],
    [
      'a bad duration',
      'route:\n  receiver: fraud\n  group_wait: 30 seconds\n',
      'alert-rules/routing.yaml:3 route.group_wait: expected a duration such as 30s',
    ],
    [
      'a page value that is neither a boolean nor a severity',
      'route:\n  receiver: fraud\n  page: urgent\n',
      'alert-rules/routing.yaml:3 route.page: expected true, false or the lowest severity that pages',
    ],
    [
      'an unknown route key',
      'route:\n  receiver: fraud\n  routes:\n    - receiver: iam\n      contineu: true\n',
      'alert-rules/routing.yaml:5 route.routes[0].contineu: unknown key "contineu"',
    ],
    [
      'matchers on the root route',
      'route:\n  receiver: fraud\n  matchers: [\'kind="budget_burn"\']\n',
      'alert-rules/routing.yaml:3 route.matchers: the root route matches every alert',
    ],
    [
      'an unknown label in group_by',
      'route:\n  receiver: fraud\n  group_by: [kind, asn]\n',
      'alert-rules/routing.yaml:3 route.group_by[1]: unknown label "asn"',
    ],
    [
      'an inhibit rule without target matchers',
      'route:\n  receiver: fraud\ninhibit_rules:\n  - source_matchers: [\'kind="delivery_failure"\']\n    equal: [country]\n',
      'alert-rules/routing.yaml:4 inhibit_rules[0]: missing key "target_matchers"',
    ],
    [
      'a kind no route reaches when the root has no receiver',
      'route:\n  routes:\n    - receiver: fraud\n      matchers: [\'kind!="billing_mismatch"\']\n',
      'alert-rules/routing.yaml:1 route: anomaly kind "billing_mismatch" reaches no owner at severity low, medium, high, critical',
    ],
    [
      'a kind owned only in one country',
      'route:\n  routes:\n    - receiver: fraud\n      matchers: [\'kind!="delivery_failure"\']\n    - receiver: iam\n      matchers: [\'country="US"\']\n',
      'alert-rules/routing.yaml:1 route: anomaly kind "delivery_failure" reaches no owner at severity low, medium, high, critical',
    ],
    ['YAML that does not parse', 'route:\n  receiver: [fraud\n', 'alert-rules/routing.yaml:3'],
  ])('reports %s with file, line and path', (_name, routing, expected) => {
    const found = messages(parse(routing));
    expect(
      found.some((message) => message.startsWith(expected)),
      `${expected}\nnot in\n${found.join('\n')}`,
    ).toBe(true);
  });

  it.each([
    [
      'a routing key written in clear',
      'slack: "#fraud"\n    pagerduty: R0123456789abcdef',
      'alert-rules/owners.yaml:5 owners[0].pagerduty: give the PagerDuty routing key as an environment variable reference',
    ],
    [
      'a Slack channel without #',
      'slack: fraud-oncall',
      'alert-rules/owners.yaml:4 owners[0].slack: "fraud-oncall" is not a Slack channel',
    ],
    [
      'an owner nobody can reach',
      'escalation: []',
      'alert-rules/owners.yaml:2 owners[0]: owner "fraud" has no way to be reached: give it slack, pagerduty or webhook',
    ],
    [
      'a webhook that is not a URL',
      'webhook: fraud.example',
      'alert-rules/owners.yaml:4 owners[0].webhook: "fraud.example" is not an http(s) URL',
    ],
    [
      'escalation out of order',
      'slack: "#fraud"\n    escalation:\n      - { name: a, after: 30m, slack: "#a" }\n      - { name: b, after: 10m, slack: "#b" }',
      'alert-rules/owners.yaml:7 owners[0].escalation[1]: escalation contacts go in order of "after": "b" must come later than "a"',
    ],
  ])('reports %s in the owners file', (_name, channels, expected) => {
    const owners = `owners:\n  - name: fraud\n    role: anomaly_response\n    ${channels}\n`;
    const found = messages(parse('route:\n  receiver: fraud\n', owners));
    expect(
      found.some((message) => message.startsWith(expected)),
      `${expected}\nnot in\n${found.join('\n')}`,
    ).toBe(true);
  });

  it('reports an unknown owner role', () => {
    const owners = 'owners:\n  - name: fraud\n    role: fraud_team\n    slack: "#fraud"\n';
    expect(messages(parse('route:\n  receiver: fraud\n', owners))[0]).toBe(
      'alert-rules/owners.yaml:3 owners[0].role: expected one of trigger_path, anomaly_response, provider_escalation, finance, got "fraud_team"',
    );
  });

  it('reports every mistake of every file in one pass, and a second route tree', () => {
    const parsed = parseRules(
      [
        {
          file: 'a.yaml',
          text: 'owners:\n  - name: fraud\n    role: anomaly_response\n    slack: "#fraud"\nroute:\n  receiver: fraud\n  group_wait: soon\n',
        },
        { file: 'b.yaml', text: 'route:\n  receiver: fraud\n  routes:\n    - matchers: [\'contry="US"\']\n' },
      ],
      {},
    );
    expect(messages(parsed)).toEqual([
      'a.yaml:7 route.group_wait: expected a duration such as 30s, 15m, 1h30m or 7d, got "soon"',
      expect.stringMatching(/^b\.yaml:4 route\.routes\[0\]\.matchers\[0\]: unknown label "contry"/),
    ]);
    const twoRoutes = parseRules(
      [
        { file: 'a.yaml', text: 'owners:\n  - name: fraud\n    role: anomaly_response\n    slack: "#fraud"\nroute:\n  receiver: fraud\n' },
        { file: 'b.yaml', text: 'route:\n  receiver: fraud\n' },
      ],
      {},
    );
    expect(messages(twoRoutes)).toEqual(['b.yaml:1 route: a second route tree (the first is in a.yaml:5); there is one root route']);
  });

  it('says so when a directory holds no routing files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-rules-empty-'));
    writeFileSync(join(dir, 'breaker-policy.yaml'), 'version: 1\n');
    expect(messages(await loadRules(dir, {}))).toEqual([
      `${dir}:0: no alert-routing files (*.yaml besides breaker-policy.yaml, budgets.yaml, proxy.yaml)`,
    ]);
  });
});

describe('response targets', () => {
  const routing = 'route:\n  receiver: fraud\n';
  const withTargets = (targets: string) =>
    OWNERS.replace('    role: anomaly_response\n', `    role: anomaly_response\n    targets: ${targets}\n`);

  it('reads acknowledge and mitigate as durations', () => {
    const parsed = parse(routing, withTargets('{ acknowledge: 5m, mitigate: 1h }'));
    expect(parsed.ok && parsed.config.owners.get('fraud')?.targets).toEqual({ acknowledgeMs: 300_000, mitigateMs: 3_600_000 });
    expect(parsed.ok && parsed.config.owners.get('iam')?.targets).toEqual({});
  });

  it.each([
    ['an unknown target', '{ acknowledge: 5m, resolve: 1h }', /owners\.yaml:4 owners\[0\]\.targets.*resolve/],
    ['a duration that is not one', '{ acknowledge: soon }', /owners\.yaml:4 owners\[0\]\.targets\.acknowledge/],
    [
      'mitigating before acknowledging',
      '{ acknowledge: 30m, mitigate: 10m }',
      /owners\.yaml:4 owners\[0\]\.targets: the mitigate target cannot be shorter/,
    ],
  ])('refuses %s with its line', (_name, targets, error) => {
    expect(messages(parse(routing, withTargets(targets)))).toEqual([expect.stringMatching(error)]);
  });

  it('ships targets for every owner', async () => {
    const parsed = await loadRules(SHIPPED_RULES_DIR, SHIPPED_ENV);
    expect(parsed.ok && [...parsed.config.owners.values()].every((owner) => owner.targets.acknowledgeMs !== undefined)).toBe(true);
  });
});
