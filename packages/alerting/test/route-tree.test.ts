import { beforeAll, describe, expect, it } from 'vitest';
import {
  inhibited,
  inhibitRulesTargeting,
  labelsOf,
  matchesAll,
  loadRules,
  parseMatcher,
  parseRules,
  parseSilence,
  primaryMatch,
  route,
  silencedBy,
  type AlertingConfig,
  type AlertInput,
} from '../src/index.ts';
import { SHIPPED_ENV, SHIPPED_RULES_DIR, T0, alert } from './fixtures/alerts.ts';

let shipped: AlertingConfig;
beforeAll(async () => {
  const parsed = await loadRules(SHIPPED_RULES_DIR, SHIPPED_ENV);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  shipped = parsed.config;
});

function summary(input: AlertInput): Array<[string, boolean]> {
  return route(shipped, input).map((match) => [match.receiver, match.page.pages]);
}

describe('routing with the shipped rules', () => {
  it.each<[string, Partial<AlertInput>, Array<[string, boolean]>]>([
    ['pages fraud for a high conversion drop', { kind: 'conversion_drop', severity: 'high' }, [['fraud', true]]],
    ['tells fraud without paging for a medium volume spike', { kind: 'volume_spike', severity: 'medium' }, [['fraud', false]]],
    [
      'copies finance (never paging) on an expensive finding before fraud pages',
      { kind: 'cost_spike', severity: 'critical', costPerHourUsd: 250 },
      [
        ['finance', false],
        ['fraud', true],
      ],
    ],
    [
      'gives budget burn to finance alone, even when expensive',
      { kind: 'budget_burn', severity: 'critical', costPerHourUsd: 500 },
      [
        ['finance', false],
        ['finance', false],
      ],
    ],
    ['pages IAM for verify brute force', { kind: 'verify_bruteforce', severity: 'critical' }, [['iam', true]]],
    [
      'gives a delivery failure to the messaging vendor without a page',
      { kind: 'delivery_failure', severity: 'critical' },
      [['messaging-vendor', false]],
    ],
    ['gives a billing mismatch to the messaging vendor', { kind: 'billing_mismatch', severity: 'low' }, [['messaging-vendor', false]]],
  ])('%s', (_name, overrides, expected) => {
    expect(summary(alert(overrides))).toEqual(expected);
  });

  it("groups by the route's group_by labels, with the route path in the key", () => {
    const [match] = route(shipped, alert({ kind: 'verify_bruteforce', scope: { app: 'shop', flow: 'login', country: 'BR' } }));
    expect(match?.groupKey).toBe('route.routes[3]:{kind="verify_bruteforce",app="shop",flow="login"}');
    expect(match?.timings).toEqual({ groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 });
    expect(match?.slack).toBe('#iam-oncall');
    expect(match?.page).toEqual({ pages: true, reason: 'high is at least high: pages "iam" through PD_IAM_KEY' });
  });

  it('takes the owner from the first route that does not continue', () => {
    const matches = route(shipped, alert({ kind: 'sequential_numbers', costPerHourUsd: 900 }));
    expect(primaryMatch(matches)?.receiver).toBe('fraud');
  });
});

const TREE = `owners:
  - { name: a, role: anomaly_response, slack: "#a", pagerduty: "\${PD_A}" }
  - { name: b, role: trigger_path, slack: "#b" }
  - { name: c, role: finance, slack: "#c" }
route:
  receiver: a
  group_by: [kind]
  group_wait: 10s
  page: critical
  routes:
    - receiver: b
      matchers: ['country!="US"', 'kind="volume_spike"']
      group_wait: 1m
      routes:
        - receiver: c
          matchers: ['provider=~"twi.*"']
          continue: true
        - receiver: a
          matchers: ['severity=~"high|critical"']
          page: true
    - receiver: c
      matchers: ['kind="volume_spike"']
`;

describe('route tree semantics (Alertmanager)', () => {
  const parsed = parseRules([{ file: 'tree.yaml', text: TREE }], { PD_A: 'key-a' });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const config = parsed.config;

  it.each<[string, Partial<AlertInput>, Array<[string, string, number, boolean]>]>([
    ['falls back to the root when no child matches', { kind: 'cost_spike', severity: 'critical' }, [['a', 'route', 10_000, true]]],
    [
      'stops at the first matching sibling',
      { kind: 'volume_spike', severity: 'low', scope: { country: 'DE', provider: 'vonage' } },
      [['b', 'route.routes[0]', 60_000, false]],
    ],
    [
      "takes the next sibling when the first one's matchers fail",
      { kind: 'volume_spike', severity: 'low', scope: { country: 'US' } },
      [['c', 'route.routes[1]', 10_000, false]],
    ],
    [
      'continues past a continue route and inherits group_wait from the parent',
      { kind: 'volume_spike', severity: 'high', scope: { country: 'DE', provider: 'twilio' } },
      [
        ['c', 'route.routes[0].routes[0]', 60_000, false],
        ['a', 'route.routes[0].routes[1]', 60_000, true],
      ],
    ],
    [
      'a continue route alone still counts as a match, so the parent does not take it',
      { kind: 'volume_spike', severity: 'low', scope: { country: 'DE', provider: 'twilio' } },
      [['c', 'route.routes[0].routes[0]', 60_000, false]],
    ],
  ])('%s', (_name, overrides, expected) => {
    const matches = route(config, alert({ scope: {}, ...overrides }));
    expect(matches.map((m) => [m.receiver, m.routePath, m.timings.groupWaitMs, m.page.pages])).toEqual(expected);
  });

  it('does not page an owner without PagerDuty, and says why', () => {
    const [match] = route(config, alert({ kind: 'volume_spike', severity: 'critical', scope: { country: 'US' } }));
    expect(match?.page).toEqual({ pages: false, reason: 'owner "c" has no pagerduty to page' });
  });
});

describe('matchers', () => {
  it.each([
    ['kind="conversion_drop"', { kind: 'conversion_drop' }, true],
    ['kind = conversion_drop', { kind: 'conversion_drop' }, true],
    ['country!="US"', { scope: { country: 'US' } }, false],
    ['country!="US"', { scope: {} }, true],
    ['severity=~"high|critical"', { severity: 'critical' }, true],
    ['severity=~"high|critical"', { severity: 'medium' }, false],
    ['provider=~"twilio"', { scope: { provider: 'twilio-eu' } }, false],
    ['provider!~"twilio.*"', { scope: { provider: 'vonage' } }, true],
    ['app="a \\"quoted\\" app"', { scope: { app: 'a "quoted" app' } }, true],
  ] as const)('%s on %j is %s', (text, overrides, expected) => {
    expect(matchLabels(text, alert(overrides as Partial<AlertInput>))).toBe(expected);
  });

  it.each([
    ['kind', 'is not a matcher'],
    ['kind=="x"', 'bad value'],
    ['asn="13335"', 'unknown label "asn"'],
    ['country=~"("', 'bad regular expression'],
    ['action="throttle"', 'matches no action'],
  ])('refuses %s', (text, error) => {
    const parsed = parseMatcher(text);
    expect(parsed.ok ? '' : parsed.error).toContain(error);
  });
});

function matchLabels(text: string, input: AlertInput): boolean {
  const parsed = parseMatcher(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return matchesAll([parsed.matcher], labelsOf(input));
}

describe('inhibition', () => {
  const failure = alert({ id: 'df_1', kind: 'delivery_failure', scope: { country: 'ID', provider: 'twilio' } });

  it.each<[string, AlertInput[], boolean]>([
    ['inhibits a conversion drop while a delivery failure for the same provider and country is open', [failure], true],
    ['does not inhibit when the delivery failure is resolved', [{ ...failure, state: 'resolved' }], false],
    ['does not inhibit across countries', [{ ...failure, scope: { country: 'PH', provider: 'twilio' } }], false],
    ['does not inhibit across providers', [{ ...failure, scope: { country: 'ID', provider: 'vonage' } }], false],
    ['does not inhibit without a source alert', [], false],
  ])('%s', (_name, active, expected) => {
    const drop = alert({ kind: 'conversion_drop', scope: { app: 'shop', country: 'ID', provider: 'twilio' } });
    expect(inhibited(shipped, drop, active).inhibited).toBe(expected);
  });

  it('names the rule and the inhibiting alert', () => {
    const decision = inhibited(shipped, alert({ scope: { country: 'ID', provider: 'twilio' } }), [failure]);
    expect(decision).toEqual({
      inhibited: true,
      rule: expect.stringMatching(/routing\.yaml:\d+ inhibit_rules\[0\]$/),
      byAlertId: 'df_1',
      reason: expect.stringMatching(/^inhibited by open delivery_failure df_1 with the same provider="twilio", country="ID"/),
    });
    expect(inhibitRulesTargeting(shipped, alert())).toHaveLength(1);
    expect(inhibitRulesTargeting(shipped, alert({ kind: 'volume_spike' }))).toHaveLength(0);
  });

  it('never lets an alert inhibit itself', () => {
    expect(inhibited(shipped, failure, [failure]).inhibited).toBe(false);
  });
});

describe('silences', () => {
  const draft = {
    id: 's1',
    matchers: ['kind="conversion_drop"', 'country="ID"'],
    author: 'ana',
    reason: 'carrier outage, ticket 42',
    startsAt: T0,
    endsAt: T0 + 3_600_000,
  };

  it.each<[string, Partial<AlertInput>, number, boolean]>([
    ['mutes a matching alert inside its window', {}, T0 + 60_000, true],
    ['does not mute before it starts', {}, T0 - 1, false],
    ['does not mute once it ended', {}, T0 + 3_600_000, false],
    ['does not mute an alert that fails one matcher', { scope: { country: 'PH' } }, T0 + 60_000, false],
  ])('%s', (_name, overrides, nowMs, expected) => {
    const parsed = parseSilence(draft);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    expect(silencedBy([parsed.silence], alert(overrides), nowMs).map((s) => s.id)).toEqual(expected ? ['s1'] : []);
  });

  it.each([
    ['no matchers', { matchers: [] }, 'matchers: give at least one matcher'],
    ['a bad matcher', { matchers: ['contry="ID"'] }, 'matchers[0]: unknown label "contry"'],
    ['no reason', { reason: ' ' }, 'reason: say why'],
    ['an end before its start', { endsAt: T0 - 1 }, 'endsAt: must be after startsAt'],
    ['a window over a week', { endsAt: T0 + 8 * 24 * 3_600_000 }, 'endsAt: a silence lasts at most 7 days'],
  ])('refuses a silence with %s', (_name, overrides, error) => {
    const parsed = parseSilence({ ...draft, ...overrides });
    expect(parsed.ok ? [] : parsed.errors).toEqual([expect.stringContaining(error)]);
  });
});
