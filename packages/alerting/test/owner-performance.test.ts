import { describe, expect, it } from 'vitest';
import { ownerPerformance, type MeasuredIncident, type Owner } from '../src/index.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-11-20T10:00:00Z');
const fraud: Owner = { name: 'fraud', role: 'anomaly_response', targets: { acknowledgeMs: 5 * MIN, mitigateMs: 15 * MIN }, escalation: [] };
const finance: Owner = { name: 'finance', role: 'finance', targets: {}, escalation: [] };

const incident = (id: string, overrides: Partial<MeasuredIncident>): MeasuredIncident => ({
  id,
  owner: 'fraud',
  title: id,
  state: 'resolved',
  openedAt: T0,
  ...overrides,
});

describe('owner performance against response targets', () => {
  const incidents = [
    // Acknowledged in 2, 4 and 10 minutes; mitigated by a breaker at 3, by resolution at 20, and not yet.
    incident('a', { acknowledgedAt: T0 + 2 * MIN, firstTripAt: T0 + 3 * MIN, resolvedAt: T0 + 60 * MIN }),
    incident('b', { acknowledgedAt: T0 + 4 * MIN, resolvedAt: T0 + 20 * MIN }),
    incident('c', { state: 'acknowledged', acknowledgedAt: T0 + 10 * MIN }),
    // Open, nobody on it, 30 minutes old at "now".
    incident('d', { state: 'triggered' }),
    incident('e', { owner: 'finance', state: 'triggered' }),
  ];
  const [fraudRow, financeRow] = ownerPerformance([fraud, finance], incidents, T0 + 30 * MIN);

  // Quantiles interpolate between ranks: p90 of 2, 4, 10 is 4 + 0.8 * (10 - 4) = 8.8.
  it('measures time to acknowledge with its median, p90 and share within target', () => {
    expect(fraudRow).toMatchObject({ owner: 'fraud', incidents: 4, open: 2 });
    expect(fraudRow!.acknowledge).toEqual({ measured: 3, medianMs: 4 * MIN, p90Ms: 8.8 * MIN, withinTarget: 2 / 3 });
  });

  it('measures mitigation at the first breaker trip, or the resolution without one', () => {
    expect(fraudRow!.mitigate).toEqual({ measured: 2, medianMs: 11.5 * MIN, p90Ms: 18.3 * MIN, withinTarget: 1 / 2 });
  });

  it('lists open incidents past a target, most overdue first', () => {
    expect(fraudRow!.overdue).toEqual([
      { incidentId: 'd', title: 'd', target: 'acknowledge', overdueMs: 25 * MIN },
      { incidentId: 'c', title: 'c', target: 'mitigate', overdueMs: 15 * MIN },
      { incidentId: 'd', title: 'd', target: 'mitigate', overdueMs: 15 * MIN },
    ]);
  });

  it('measures an owner without targets but never calls it late', () => {
    expect(financeRow).toMatchObject({ incidents: 1, open: 1, acknowledge: { measured: 0 }, overdue: [] });
  });
});
