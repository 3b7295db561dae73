import { beforeAll, describe, expect, it } from 'vitest';
import {
  acknowledge,
  addNote,
  applyAlert,
  groupIntoIncident,
  loadRules,
  reassign,
  recordBreaker,
  recordNotified,
  resolve,
  setMoney,
  type AlertingConfig,
  type Incident,
  type IncidentTransition,
} from '../src/index.ts';
import { SHIPPED_ENV, SHIPPED_RULES_DIR, T0, alert } from './fixtures/alerts.ts';

let config: AlertingConfig;
let opened: Incident;
beforeAll(async () => {
  const parsed = await loadRules(SHIPPED_RULES_DIR, SHIPPED_ENV);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  config = parsed.config;
  const outcome = groupIntoIncident({ config, openIncidents: [], alert: alert({ id: 'a1', severity: 'medium' }), nowMs: T0 });
  if (outcome.action !== 'opened') throw new Error(outcome.reason);
  opened = outcome.incident;
});

function ok(transition: IncidentTransition): Incident {
  if (!transition.ok) throw new Error(transition.error.message);
  return transition.incident;
}

describe('grouping anomalies into incidents', () => {
  it('opens an incident owned by the primary route, triggered, with an opening timeline entry', () => {
    expect(opened).toMatchObject({
      id: expect.stringMatching(/^inc_[0-9a-f]{16}$/),
      owner: 'fraud',
      // The pumping route groups by country: one wave, several kinds, one incident.
      groupKey: 'route.routes[2]:{country="ID"}',
      state: 'triggered',
      severity: 'medium',
      openedAt: T0,
    });
    expect(opened.timeline).toEqual([{ at: T0, actor: 'tollgate', type: 'opened', alertId: 'a1', summary: expect.any(String) }]);
  });

  it('adds an anomaly of the same group to the open incident and takes the highest severity', () => {
    const outcome = groupIntoIncident({
      config,
      openIncidents: [opened],
      alert: alert({ id: 'a2', severity: 'critical', scope: { app: 'blog', country: 'ID', provider: 'twilio' } }),
      nowMs: T0 + 1,
    });
    expect(outcome.action).toBe('updated');
    if (outcome.action !== 'updated') return;
    expect(outcome.incident.id).toBe(opened.id);
    expect(outcome.incident.severity).toBe('critical');
    expect(outcome.reason).toBe('added anomaly a2; severity medium -> critical');
  });

  it('opens a separate incident for another group', () => {
    const outcome = groupIntoIncident({
      config,
      openIncidents: [opened],
      alert: alert({ id: 'b1', scope: { country: 'PH', provider: 'twilio' } }),
      nowMs: T0 + 1,
    });
    expect(outcome.action).toBe('opened');
  });

  it('ignores a resolved anomaly that has no open incident', () => {
    const outcome = groupIntoIncident({ config, openIncidents: [], alert: alert({ state: 'resolved' }), nowMs: T0 });
    expect(outcome).toEqual({ action: 'ignored', reason: expect.stringMatching(/resolved with no open incident/) });
  });

  it('resolves the incident by itself once every anomaly resolved', () => {
    const two = ok(applyAlert(opened, alert({ id: 'a2' }), T0 + 1));
    const oneLeft = ok(applyAlert(two, alert({ id: 'a1', state: 'resolved', severity: 'medium' }), T0 + 2));
    expect(oneLeft.state).toBe('triggered');
    const transition = applyAlert(oneLeft, alert({ id: 'a2', state: 'resolved' }), T0 + 3);
    expect(transition).toMatchObject({ ok: true, reason: 'resolved: all its anomalies resolved' });
    const done = ok(transition);
    expect(done).toMatchObject({ state: 'resolved', resolvedAt: T0 + 3, resolvedBy: 'tollgate' });
    expect(done.timeline.map((entry) => entry.type)).toEqual([
      'opened',
      'anomaly_added',
      'anomaly_resolved',
      'anomaly_resolved',
      'resolved',
    ]);
  });
});

describe('incident transitions', () => {
  it('records the whole life of an incident in its timeline', () => {
    let incident = recordNotified(opened, { channel: 'slack', target: '#fraud-oncall', event: 'trigger', nowMs: T0 + 30_000 });
    incident = recordNotified(incident, { channel: 'pagerduty', target: 'PD_FRAUD_KEY', event: 'trigger', nowMs: T0 + 30_000 });
    incident = recordBreaker(incident, { change: 'tripped', breakerId: 'brk_1', scope: 'country ID', by: 'tollgate', nowMs: T0 + 31_000 });
    incident = ok(acknowledge(incident, 'ana', T0 + 60_000));
    incident = ok(addNote(incident, 'ana', 'carrier confirms fake traffic', T0 + 90_000));
    incident = ok(
      reassign(incident, {
        by: 'ana',
        to: 'messaging-vendor',
        reason: 'provider refund',
        owners: [...config.owners.keys()],
        nowMs: T0 + 100_000,
      }),
    );
    incident = recordBreaker(incident, { change: 'reset', breakerId: 'brk_1', scope: 'country ID', by: 'ana', nowMs: T0 + 110_000 });
    incident = ok(setMoney(incident, { spendUsd: 412.5, preventedUsd: 1290, nowMs: T0 + 115_000 }));
    incident = ok(resolve(incident, 'ana', T0 + 120_000, 'refund requested'));
    expect(incident.timeline.map((entry) => [entry.type, entry.actor])).toEqual([
      ['opened', 'tollgate'],
      ['notified', 'tollgate'],
      ['paged', 'tollgate'],
      ['breaker_tripped', 'tollgate'],
      ['acknowledged', 'ana'],
      ['note', 'ana'],
      ['reassigned', 'ana'],
      ['breaker_reset', 'ana'],
      ['resolved', 'ana'],
    ]);
    expect(incident).toMatchObject({
      owner: 'messaging-vendor',
      state: 'resolved',
      acknowledgedBy: 'ana',
      spendUsd: 412.5,
      preventedUsd: 1290,
    });
  });

  const acknowledged = () => ok(acknowledge(opened, 'ana', T0 + 1));
  const resolved = () => ok(resolve(opened, 'ana', T0 + 1));

  it.each<[string, () => IncidentTransition, string]>([
    ['acknowledging twice', () => acknowledge(acknowledged(), 'bo', T0 + 2), 'already_acknowledged'],
    ['acknowledging a resolved incident', () => acknowledge(resolved(), 'bo', T0 + 2), 'incident_resolved'],
    ['resolving twice', () => resolve(resolved(), 'bo', T0 + 2), 'already_resolved'],
    [
      'reassigning to the same owner',
      () => reassign(opened, { by: 'bo', to: 'fraud', reason: '', owners: ['fraud', 'iam'], nowMs: T0 }),
      'same_owner',
    ],
    [
      'reassigning to an unknown owner',
      () => reassign(opened, { by: 'bo', to: 'fruad', reason: '', owners: ['fraud', 'iam'], nowMs: T0 }),
      'unknown_owner',
    ],
    ['an empty note', () => addNote(opened, 'bo', '  ', T0), 'empty_note'],
    ['a negative spend', () => setMoney(opened, { spendUsd: -1, preventedUsd: 0, nowMs: T0 }), 'negative_amount'],
    ['a new anomaly on a resolved incident', () => applyAlert(resolved(), alert({ id: 'a9' }), T0 + 2), 'incident_resolved'],
  ])('refuses %s with an error value', (_name, transition, code) => {
    const result = transition();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('leaves the original incident untouched', () => {
    const before = structuredClone(opened);
    acknowledge(opened, 'ana', T0 + 1);
    expect(opened).toEqual(before);
  });
});
