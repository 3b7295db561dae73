import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TIMINGS,
  groupFingerprint,
  planEscalation,
  planNotification,
  type EscalationContact,
  type GroupState,
} from '../src/index.ts';
import { T0, alert } from './fixtures/alerts.ts';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;

describe('group notification timing (group_wait 30s, group_interval 5m, repeat_interval 4h)', () => {
  const open = groupFingerprint([alert({ id: 'a' })]);
  const grown = groupFingerprint([alert({ id: 'a' }), alert({ id: 'b' })]);
  const resolved = groupFingerprint([alert({ id: 'a', state: 'resolved' })]);
  const notified: GroupState = { firstAlertAt: T0, lastNotifiedAt: T0 + 30 * S, notifiedFingerprint: open };

  it.each<[string, GroupState, string, boolean, number, ReturnType<typeof planNotification>['action'], number | undefined]>([
    ['waits group_wait before the first notification', { firstAlertAt: T0 }, open, false, T0 + 10 * S, 'wait', T0 + 30 * S],
    ['notifies once group_wait has passed', { firstAlertAt: T0 }, open, false, T0 + 30 * S, 'notify', undefined],
    ['holds news until group_interval after the last notification', notified, grown, false, T0 + 2 * M, 'wait', T0 + 30 * S + 5 * M],
    ['sends news once group_interval has passed', notified, grown, false, T0 + 30 * S + 5 * M, 'notify', undefined],
    ['sends a resolution as news, on the group_interval', notified, resolved, true, T0 + 6 * M, 'notify', undefined],
    ['stays quiet about an unchanged group until repeat_interval', notified, open, false, T0 + 1 * H, 'wait', T0 + 30 * S + 4 * H],
    ['reminds about an unchanged open group after repeat_interval', notified, open, false, T0 + 30 * S + 4 * H, 'repeat', undefined],
    [
      'needs nothing once the resolution went out',
      { ...notified, notifiedFingerprint: resolved },
      resolved,
      true,
      T0 + 9 * H,
      'done',
      undefined,
    ],
  ])('%s', (_name, group, fingerprint, allResolved, nowMs, action, untilMs) => {
    const plan = planNotification({ group, fingerprint, allResolved, timings: DEFAULT_TIMINGS, nowMs });
    expect(plan.action).toBe(action);
    expect(plan.action === 'wait' ? plan.untilMs : undefined).toBe(untilMs);
    expect(plan.reason).not.toBe('');
  });

  it('fingerprints a group independently of alert order', () => {
    expect(groupFingerprint([alert({ id: 'b' }), alert({ id: 'a' })])).toBe(grown);
  });
});

describe('escalation', () => {
  const contacts: EscalationContact[] = [
    { name: 'secondary', afterMs: 15 * M, pagerduty: { envVar: 'PD_B', routingKey: 'b' } },
    { name: 'lead', afterMs: 45 * M, slack: '#leads' },
  ];

  it.each<[string, 'triggered' | 'acknowledged' | 'resolved', number, number, string, string | undefined]>([
    ["waits for the first contact's delay", 'triggered', 0, T0 + 14 * M, 'wait', 'secondary'],
    ['pages the first contact when unacknowledged after 15 minutes', 'triggered', 0, T0 + 15 * M, 'escalate', 'secondary'],
    ['waits for the next contact once the first was paged', 'triggered', 1, T0 + 20 * M, 'wait', 'lead'],
    ['pages the next contact after 45 minutes', 'triggered', 1, T0 + 45 * M, 'escalate', 'lead'],
    ['stops once every contact was paged', 'triggered', 2, T0 + 10 * H, 'none', undefined],
    ['does not escalate an acknowledged incident', 'acknowledged', 0, T0 + 10 * H, 'none', undefined],
    ['does not escalate a resolved incident', 'resolved', 0, T0 + 10 * H, 'none', undefined],
  ])('%s', (_name, state, escalatedLevels, nowMs, action, contact) => {
    const plan = planEscalation({ contacts, state, openedAt: T0, escalatedLevels, nowMs });
    expect(plan.action).toBe(action);
    expect(plan.action === 'none' ? undefined : plan.contact.name).toBe(contact);
    if (plan.action === 'escalate') expect(plan.level).toBe(escalatedLevels + 1);
  });
});
