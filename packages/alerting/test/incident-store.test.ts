import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendIncidentTimeline,
  incidentById,
  incidentTimeline,
  listIncidents,
  liveSilences,
  saveIncidents,
  saveSilence,
  type Store,
} from '@tollgate/store';
import { openTempStore } from '@tollgate/store/testing';
import {
  acknowledge,
  fromIncidentRecord,
  fromSilenceRecord,
  openIncident,
  parseSilence,
  recordNotified,
  toIncidentRecord,
  toSilenceRecord,
  toTimelineRecords,
  type Incident,
  type RouteMatch,
} from '../src/index.ts';
import { T0, alert } from './fixtures/alerts.ts';

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('alerting-incidents'));
});
afterAll(() => dispose());

function incident(id: string, owner: string, kind: 'conversion_drop' | 'verify_bruteforce', openedAt: number): Incident {
  return openIncident({
    id,
    match: { routePath: 'route', groupKey: `g-${id}`, receiver: owner } as RouteMatch,
    alert: alert({ id: `a-${id}`, kind }),
    nowMs: openedAt,
  });
}

describe('incidents and silences in the store', () => {
  it("stores an incident's versions and timeline and reads the latest back unchanged", async () => {
    const opened = recordNotified(incident('inc_1', 'fraud', 'conversion_drop', T0), {
      channel: 'slack',
      target: '#fraud-oncall',
      event: 'trigger',
      nowMs: T0 + 1,
    });
    await saveIncidents(store, [toIncidentRecord(opened, 1)]);
    await appendIncidentTimeline(store, toTimelineRecords(opened));
    const acked = acknowledge(opened, 'ana', T0 + 2);
    if (!acked.ok) throw new Error(acked.error.message);
    await saveIncidents(store, [toIncidentRecord(acked.incident, 2)]);
    await appendIncidentTimeline(store, toTimelineRecords(acked.incident, opened.timeline.length));
    // A retried save of the same entries is no duplicate.
    await appendIncidentTimeline(store, toTimelineRecords(acked.incident, opened.timeline.length));

    const record = await incidentById(store, 'inc_1');
    const back = fromIncidentRecord(record!, await incidentTimeline(store, 'inc_1'));
    expect(back).toEqual(acked.incident);
  });

  it('lists auth and billing incidents together, filterable by owner and state, newest first', async () => {
    await saveIncidents(store, [
      toIncidentRecord(incident('inc_2', 'iam', 'verify_bruteforce', T0 + 10), 1),
      toIncidentRecord(incident('inc_3', 'fraud', 'conversion_drop', T0 + 20), 1),
    ]);
    expect((await listIncidents(store, { limit: 10 })).map((r) => r.id)).toEqual(['inc_3', 'inc_2', 'inc_1']);
    expect((await listIncidents(store, { owner: 'fraud', limit: 10 })).map((r) => r.id)).toEqual(['inc_3', 'inc_1']);
    expect((await listIncidents(store, { owner: 'fraud', state: 'acknowledged', limit: 10 })).map((r) => r.id)).toEqual(['inc_1']);
    expect((await listIncidents(store, { owner: "fraud' OR 1=1 --", limit: 10 })).map((r) => r.id)).toEqual([]);
  });

  it('keeps live silences, drops ended and deleted ones, and re-validates what it reads', async () => {
    const make = (id: string, endsAt: number) => {
      const parsed = parseSilence({
        id,
        matchers: ['kind="conversion_drop"', 'country=~"ID|PH"'],
        author: 'ana',
        reason: 'carrier outage',
        startsAt: T0,
        endsAt,
      });
      if (!parsed.ok) throw new Error(parsed.errors.join());
      return parsed.silence;
    };
    await saveSilence(store, toSilenceRecord(make('s_live', T0 + 3_600_000), { version: 1, createdAt: T0 }));
    await saveSilence(store, toSilenceRecord(make('s_ended', T0 + 60_000), { version: 1, createdAt: T0 }));
    await saveSilence(store, toSilenceRecord(make('s_deleted', T0 + 3_600_000), { version: 1, createdAt: T0 }));
    await saveSilence(store, toSilenceRecord(make('s_deleted', T0 + 3_600_000), { version: 2, createdAt: T0, deleted: true }));
    const live = await liveSilences(store, T0 + 120_000);
    expect(live.map((record) => record.id)).toEqual(['s_live']);
    const back = fromSilenceRecord(live[0]!);
    expect(back.ok && back.silence.matchers.map((m) => m.text)).toEqual(['kind="conversion_drop"', 'country=~"ID|PH"']);
  });
});
