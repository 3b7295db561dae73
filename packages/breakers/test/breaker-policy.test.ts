import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compileTiers,
  DEFAULT_RISK_POLICY,
  DEFAULT_VELOCITY_LIMITS,
  DEFAULT_VERIFY_LIMITS,
  parseBreakerPolicy,
  type BreakerPolicy,
} from '../src/index.ts';

const FIXTURES = new URL('./fixtures/policies/', import.meta.url);
const EXAMPLE = new URL('../examples/breaker-policy.yaml', import.meta.url);

function parseFixture(name: string) {
  return parseBreakerPolicy(readFileSync(new URL(name, FIXTURES), 'utf8'), name);
}

function policyOf(name: string): BreakerPolicy {
  const parsed = parseFixture(name);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors, null, 2));
  return parsed.policy;
}

describe('the shipped example policy', () => {
  const parsed = parseBreakerPolicy(readFileSync(EXAMPLE, 'utf8'), 'breaker-policy.yaml');

  it('is valid as shipped', () => {
    expect(parsed).toMatchObject({ ok: true });
  });

  it('reads its rules, guard, allowlist and per-app limits', () => {
    if (!parsed.ok) return;
    const { policy } = parsed;
    expect(policy.autoTrip.map((rule) => rule.name)).toEqual([
      'pumping-prefix',
      'bot-network',
      'country-cost-spike',
      'country-conversion-trial',
    ]);
    expect(policy.autoTrip[0]).toEqual({
      name: 'pumping-prefix',
      kinds: ['conversion_drop', 'volume_spike', 'new_destination', 'sequential_numbers'],
      minSeverity: 'high',
      action: { kind: 'block' },
      scopeLevel: 'prefix',
      narrowBy: ['app'],
      mode: 'enforce',
      cooldownMs: 15 * 60_000,
      expiresAfterMs: 6 * 3_600_000,
      probeShare: 0.05,
    });
    expect(policy.autoTrip[2]!.action).toEqual({ kind: 'throttle', perMinute: 30 });
    expect(policy.maxShareOfLegitTraffic).toBe(0.05);
    expect(policy.allowlist).toEqual({
      phones: ['+447700900123', '+14155550100'],
      apps: ['loadtest'],
      ipRanges: ['192.0.2.0/24', '2001:db8:1000::/48'],
    });
    expect(policy.velocity.defaults.session).toEqual(DEFAULT_VELOCITY_LIMITS.session);
    expect(policy.velocity.apps['bank']!.phone).toEqual({ max: 3, windowMs: 3_600_000, onExceed: 'block' });
    expect(policy.velocity.apps['loadtest']!.app).toBeNull();
  });
});

describe('parseBreakerPolicy', () => {
  it('fills what a minimal policy leaves out with the built-in defaults', () => {
    expect(policyOf('minimal.yaml')).toEqual({
      autoTrip: [],
      maxShareOfLegitTraffic: 0.05,
      allowlist: { phones: [], apps: [], ipRanges: [] },
      velocity: { defaults: DEFAULT_VELOCITY_LIMITS, apps: {} },
      risk: DEFAULT_RISK_POLICY,
      verify: DEFAULT_VERIFY_LIMITS,
    });
  });

  it('merges per-app rules field by field over the defaults, and turns rules off', () => {
    const { velocity } = policyOf('overrides.yaml');
    expect(velocity.defaults.ip).toBeNull();
    expect(velocity.apps['bank']).toMatchObject({
      phone: { max: 3, windowMs: 3_600_000, onExceed: 'block' },
      ip: { max: 10, windowMs: 1_800_000, onExceed: 'block' },
      ipv4Subnet: DEFAULT_VELOCITY_LIMITS.ipv4Subnet,
    });
    expect(velocity.apps['loadtest']!.app).toBeNull();
  });

  it.each([
    ['syntax-error.yaml', [{ line: 4, path: '', message: /Flow sequence/ }]],
    [
      'unknown-keys.yaml',
      [
        { line: 9, path: 'auto_trip[0].expire_after', message: /unknown key "expire_after"/ },
        { line: 12, path: 'allowlists', message: /unknown key "allowlists" \(expected one of: version, auto_trip/ },
      ],
    ],
    [
      'bad-values.yaml',
      [
        { line: 1, path: 'version', message: /unsupported policy version 2/ },
        { line: 5, path: 'auto_trip[0].when.kinds[1]', message: /expected one of volume_spike, .*got "pumping"/ },
        { line: 6, path: 'auto_trip[0].when.min_severity', message: /expected one of low, medium, high, critical, got "severe"/ },
        { line: 7, path: 'auto_trip[0].action', message: /expected one of block, challenge, throttle, got "deny"/ },
        { line: 8, path: 'auto_trip[0].scope_level', message: /got "city"/ },
        { line: 9, path: 'auto_trip[0].mode', message: /expected one of enforce, shadow, got "dry_run"/ },
        { line: 10, path: 'auto_trip[0].cooldown', message: /expected a duration such as 30s/ },
        { line: 12, path: 'auto_trip[0].probe_share', message: /from 0 to 1, got 1.5/ },
        { line: 14, path: 'blast_radius.max_share_of_legit_traffic', message: /from 0 to 1, got 5/ },
      ],
    ],
    [
      'missing-fields.yaml',
      [
        { line: 3, path: 'auto_trip[0]', message: /action throttle needs per_minute/ },
        { line: 3, path: 'auto_trip[0]', message: /missing key "scope_level"/ },
        { line: 4, path: 'auto_trip[0].when', message: /missing key "min_severity"/ },
        { line: 9, path: 'auto_trip[1]', message: /rule name "throttle-country" is used twice/ },
        { line: 10, path: 'auto_trip[1].when.kinds', message: /list at least one anomaly kind/ },
        { line: 12, path: 'auto_trip[1].per_minute', message: /per_minute applies to action throttle only, not block/ },
      ],
    ],
    ['no-blast-radius.yaml', [{ line: 2, path: 'auto_trip', message: /need a blast_radius with max_share_of_legit_traffic/ }]],
    [
      'bad-allowlist.yaml',
      [
        { line: 5, path: 'allowlist.phones[1]', message: /"07700 900123" is not an E.164 number/ },
        { line: 6, path: 'allowlist.apps[1]', message: /expected a non-empty string/ },
        { line: 9, path: 'allowlist.ip_ranges[1]', message: /"10.0.0.0\/33" is not a CIDR range/ },
        { line: 10, path: 'allowlist.ip_ranges[2]', message: /"2001:db8::\/129" is not a CIDR range/ },
        { line: 11, path: 'allowlist.ip_ranges[3]', message: /"192.0.2.1" is not a CIDR range/ },
      ],
    ],
    [
      'bad-risk.yaml',
      [
        { line: 3, path: 'risk.mode', message: /expected one of enforce, shadow, off, got "loud"/ },
        { line: 4, path: 'risk.weights.hosting_network', message: /from 0 to 100, got 120/ },
        { line: 4, path: 'risk.weights.typing_speed', message: /unknown key "typing_speed"/ },
        { line: 6, path: 'risk.tiers.defaults', message: /high \(50\) must not be below medium \(60\)/ },
        {
          line: 8,
          path: 'risk.tiers.flows.recovery.challenge',
          message: /expected one of captcha, email_code, slower_cooldown, got "sms_code"/,
        },
        { line: 10, path: 'verify.session', message: /free_attempts \(4\) must not exceed max_attempts \(3\)/ },
        { line: 11, path: 'verify.ip.backoff', message: /expected a duration/ },
      ],
    ],
    [
      'bad-velocity.yaml',
      [
        { line: 5, path: 'velocity.defaults.phone.max', message: /expected an integer from 0 to 1000000000, got -1/ },
        { line: 6, path: 'velocity.defaults.session.cooldowns[1]', message: /expected a duration .* got "soon"/ },
        { line: 7, path: 'velocity.defaults.device', message: /unknown key "device"/ },
      ],
    ],
  ])('reports every mistake in %s with its line and path', (fixture, expected) => {
    const parsed = parseFixture(fixture);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toHaveLength(expected.length);
    expect(parsed.errors).toEqual(
      expect.arrayContaining(
        expected.map(({ line, path, message }) => ({ file: fixture, line, path, message: expect.stringMatching(message) })),
      ),
    );
  });

  it('reads risk tiers per app and flow, each level over the one before it', () => {
    const { risk, velocity, verify } = policyOf('../../../examples/breaker-policy.yaml');
    const tiers = compileTiers(risk.tiers);
    expect(tiers.thresholds('shop', 'signup')).toEqual({ medium: 40, high: 70, challenge: 'captcha' });
    expect(tiers.thresholds('shop', 'recovery')).toEqual({ medium: 30, high: 55, challenge: 'email_code' });
    expect(tiers.thresholds('bank', 'login')).toEqual({ medium: 30, high: 60, challenge: 'captcha' });
    // The flow's thresholds come after the app's defaults: bank's recovery is recovery's.
    expect(tiers.thresholds('bank', 'recovery')).toEqual({ medium: 30, high: 55, challenge: 'email_code' });
    expect(velocity.defaults.accountDay).toEqual({ max: 10, windowMs: 86_400_000, onExceed: 'block' });
    expect(verify.flows['recovery']!.session).toMatchObject({ maxAttempts: 3, freeAttempts: 1, lockoutMs: 3_600_000 });
  });

  it('turns risk scoring off and a verify ladder off', () => {
    const parsed = parseBreakerPolicy('version: 1\nrisk:\n  mode: off\nverify:\n  ip: off\n', 'inline.yaml');
    expect(parsed.ok && parsed.policy.risk.mode).toBe('off');
    expect(parsed.ok && parsed.policy.verify.defaults.ip).toBeNull();
  });

  it('asks for the fields a rule cannot inherit from a rule that is off', () => {
    const parsed = parseBreakerPolicy(
      'version: 1\nvelocity:\n  defaults:\n    ip: off\n  apps:\n    bank:\n      ip: { max: 10 }\n',
      'inline.yaml',
    );
    expect(parsed).toEqual({
      ok: false,
      errors: [
        { file: 'inline.yaml', line: 7, path: 'velocity.apps.bank.ip', message: expect.stringMatching(/missing key "window"/) },
        { file: 'inline.yaml', line: 7, path: 'velocity.apps.bank.ip', message: expect.stringMatching(/missing key "on_exceed"/) },
      ],
    });
  });

  it.each([
    ['an empty file', ''],
    ['a list instead of a mapping', '- version: 1\n'],
    ['no version', 'auto_trip: []\n'],
  ])('refuses %s', (_name, text) => {
    expect(parseBreakerPolicy(text, 'empty.yaml')).toMatchObject({ ok: false, errors: [{ file: 'empty.yaml', line: 1 }] });
  });
});
