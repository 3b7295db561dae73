/**
 * provider_slowdown: one provider's receipts in one country come back several times later, every
 * message still delivered and sent as often; other routes keep their usual delay.
 */
import { describe, expect, it } from 'vitest';
import { createSimulator, type ScenarioSpec, type SimEvent } from '../src/index.ts';
import { collect, HOUR_MS, MINUTE_MS, MONDAY_MS, sendsOf } from './support/traffic-stats.ts';

const START_MS = MONDAY_MS + 14 * HOUR_MS;
const SPEC: ScenarioSpec = {
  kind: 'provider_slowdown',
  startMs: START_MS,
  durationMs: HOUR_MS,
  provider: 'twilio',
  country: 'US',
  delayFactor: 6,
};
const SEED = 41;
/** The middle delay: robust to the delay distribution's clipped tail. */
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Send-to-receipt delays of the delivered messages sent during the window on a route. */
function delays(events: SimEvent[], route: (country: string, provider: string) => boolean): { delaysMs: number[]; sends: number } {
  const sends = sendsOf(events).filter(
    (s) => s.ts >= SPEC.startMs && s.ts < SPEC.startMs + SPEC.durationMs && route(s.country ?? '', s.provider),
  );
  const sentAt = new Map(sends.flatMap((s) => (s.message_id === undefined ? [] : [[s.message_id, s.ts] as const])));
  const delaysMs = events.flatMap((e) => {
    if (e.kind !== 'receipt' || e.body.status !== 'delivered') return [];
    const at = sentAt.get(e.body.message_id);
    return at === undefined ? [] : [e.body.ts - at];
  });
  return { delaysMs, sends: sends.length };
}

describe('provider_slowdown', () => {
  const toMs = START_MS + HOUR_MS + 15 * MINUTE_MS;
  const slowed = collect(createSimulator({ seed: SEED, startMs: MONDAY_MS, scenarios: [SPEC] }), START_MS, toMs);
  const usual = collect(createSimulator({ seed: SEED, startMs: MONDAY_MS }), START_MS, toMs);
  const twilioUs = (country: string, provider: string) => country === 'US' && provider === 'twilio';
  const others = (country: string, provider: string) => !twilioUs(country, provider);

  it("delivers the provider's messages in the country six times later, as many of them", () => {
    const before = delays(usual, twilioUs);
    const after = delays(slowed, twilioUs);
    expect(before.delaysMs.length).toBeGreaterThan(100);
    expect(median(after.delaysMs) / median(before.delaysMs)).toBeGreaterThan(4);
    expect(after.sends / before.sends).toBeGreaterThan(0.9);
    expect(after.delaysMs.length / after.sends).toBeGreaterThan(0.9);
  });

  it('leaves every other route as it was', () => {
    expect(median(delays(slowed, others).delaysMs)).toBeCloseTo(median(delays(usual, others).delaysMs), -2);
  });

  it('labels the route, not an attack', () => {
    const labels = createSimulator({ seed: SEED, startMs: MONDAY_MS, scenarios: [SPEC] }).labels(toMs);
    expect(labels.map((l) => [l.scenario, l.scope, l.attack])).toEqual([
      ['provider_slowdown', { country: 'US', provider: 'twilio' }, false],
    ]);
  });

  it('refuses a delay factor that is not a positive number', () => {
    expect(() => createSimulator({ seed: SEED, startMs: MONDAY_MS, scenarios: [{ ...SPEC, delayFactor: 0 }] })).toThrow(
      /provider_slowdown\.delayFactor must be a positive number/,
    );
  });
});
