import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatRuleError,
  lenientEnv,
  loadRules,
  route,
  unreachableTargets,
  watchRules,
  type AlertingConfig,
  type RuleError,
} from '../src/index.ts';
import { SHIPPED_ENV, SHIPPED_RULES_DIR, alert } from './fixtures/alerts.ts';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-rules-watch-'));
cpSync(SHIPPED_RULES_DIR, dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Callbacks as a queue of promises: each test awaits the next reload instead of sleeping. */
function reloads() {
  const queue: Array<{ ok: true; config: AlertingConfig } | { ok: false; errors: RuleError[] }> = [];
  const waiting: Array<(value: (typeof queue)[number]) => void> = [];
  const push = (value: (typeof queue)[number]) => {
    const waiter = waiting.shift();
    if (waiter) waiter(value);
    else queue.push(value);
  };
  return {
    onChange: (config: AlertingConfig) => push({ ok: true, config }),
    onError: (errors: RuleError[]) => push({ ok: false, errors }),
    next: () =>
      queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise<(typeof queue)[number]>((resolve) => waiting.push(resolve)),
  };
}

describe('watchRules', () => {
  it('keeps the last good rules on a bad edit, says why, and takes the next good edit', async () => {
    const events = reloads();
    const watcher = await watchRules({ dir, env: SHIPPED_ENV, onChange: events.onChange, onError: events.onError, debounceMs: 20 });
    try {
      expect((await events.next()).ok).toBe(true);
      const first = watcher.current();
      expect(route(first!, alert({ kind: 'billing_mismatch' }))[0]?.receiver).toBe('messaging-vendor');

      const routing = join(dir, 'routing.yaml');
      const original = readFileSync(routing, 'utf8');
      writeFileSync(routing, original.replace('receiver: messaging-vendor', 'receiver: messaging-vendr'));
      const bad = await events.next();
      expect(bad.ok).toBe(false);
      if (!bad.ok)
        expect(bad.errors.map(formatRuleError)).toEqual([
          expect.stringMatching(/routing\.yaml:\d+ route\.routes\[4\]\.receiver: unknown receiver "messaging-vendr"/),
        ]);
      expect(watcher.current()).toBe(first);

      writeFileSync(routing, original.replace('receiver: messaging-vendor', 'receiver: finance'));
      const good = await events.next();
      expect(good.ok).toBe(true);
      expect(watcher.current()).not.toBe(first);
      expect(route(watcher.current()!, alert({ kind: 'billing_mismatch' }))[0]?.receiver).toBe('finance');
    } finally {
      watcher.close();
    }
  });
});

describe('destinations that cannot be reached', () => {
  it('names each owner whose PagerDuty key is unset, and every Slack channel and webhook when their settings are missing, each once', async () => {
    const parsed = await loadRules(SHIPPED_RULES_DIR, lenientEnv({ ...SHIPPED_ENV, PD_FRAUD_KEY: '' }));
    expect(parsed.ok).toBe(true);
    const config = (parsed as { ok: true; config: AlertingConfig }).config;
    const configured = unreachableTargets(config, { slack: true, webhook: true });
    expect(configured).toEqual([
      expect.objectContaining({
        owner: 'fraud',
        channel: 'pagerduty',
        target: 'PD_FRAUD_KEY',
        reason: 'PD_FRAUD_KEY is not set: pages fail',
      }),
    ]);
    const bare = unreachableTargets(config, { slack: false, webhook: true });
    const slackOwners = [...config.owners.values()].filter((owner) => owner.slack !== undefined).map((owner) => owner.name);
    expect(
      bare
        .filter((t) => t.channel === 'slack')
        .map((t) => t.owner)
        .sort(),
    ).toEqual(slackOwners.sort());
    expect(new Set(bare.map((t) => `${t.owner} ${t.channel} ${t.target}`)).size).toBe(bare.length);
  });
});
