import { describe, expect, it } from 'vitest';
import type { BreakerAuditEntry } from '@tollgate/store';
import { createBreakerTimeline } from '../src/index.ts';
import { MINUTE_MS, NOW_MS, openBreaker } from './fixtures/breakers.ts';
import { REQUEST } from './fixtures/requests.ts';

const entry = (breakerId: string, atMs: number, toState: string): BreakerAuditEntry => ({
  ts: atMs,
  breaker_id: breakerId,
  version: 1,
  event: 'trip',
  from_state: '',
  to_state: toState,
  actor: 'test',
  detail: '',
});

describe('the breakers as they stood during a replay', () => {
  const prefix = openBreaker({ id: 'prefix', scope: { prefix: REQUEST.prefix } });
  const timeline = () =>
    createBreakerTimeline(
      [prefix],
      [
        entry('prefix', NOW_MS, 'open'),
        entry('prefix', NOW_MS + 15 * MINUTE_MS, 'half_open'),
        entry('prefix', NOW_MS + 30 * MINUTE_MS, 'closed'),
        entry('gone', NOW_MS, 'open'),
      ],
    );
  const states = (index: ReturnType<ReturnType<typeof timeline>['indexAt']>) => [...(index?.matching(REQUEST) ?? [])].map((b) => b.state);

  it('follows each breaker through the states its audit trail records, timers cleared', () => {
    const replay = timeline();
    expect(states(replay.indexAt(NOW_MS - MINUTE_MS))).toEqual([]);
    expect(states(replay.indexAt(NOW_MS))).toEqual(['open']);
    expect(states(replay.indexAt(NOW_MS + 20 * MINUTE_MS))).toEqual(['half_open']);
    expect(states(replay.indexAt(NOW_MS + 31 * MINUTE_MS))).toEqual([]);
  });

  it('answers a new index only when a breaker changed, and leaves out breakers it has no document of', () => {
    const replay = timeline();
    expect(replay.indexAt(NOW_MS)).toBeDefined();
    expect(replay.indexAt(NOW_MS + MINUTE_MS)).toBeUndefined();
    const [open] = [...replay.indexAt(NOW_MS + 15 * MINUTE_MS)!.matching(REQUEST)];
    expect(open).toMatchObject({ id: 'prefix', halfOpenAt: null, expiresAt: null });
  });
});
