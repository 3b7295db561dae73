import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDevicePhones, DEVICE_WINDOW_MS } from '../src/device-phones.ts';
import { FULL_DEVICE_PHONES } from '../src/risk-signals.ts';
import { NOW_MS } from './fixtures/breakers.ts';

/** The count as first written: every device's phones in one array, emptied when its window ends. */
function arrayReference() {
  const devices = new Map<string, { windowStartMs: number; phones: string[] }>();
  return (deviceId: string, phoneHash: string, nowMs: number): number => {
    const seen = devices.get(deviceId);
    if (seen === undefined) {
      devices.set(deviceId, { windowStartMs: nowMs, phones: [phoneHash] });
      return 1;
    }
    if (nowMs - seen.windowStartMs >= DEVICE_WINDOW_MS) {
      seen.windowStartMs = nowMs;
      seen.phones.length = 0;
    }
    if (seen.phones.length < FULL_DEVICE_PHONES && !seen.phones.includes(phoneHash)) seen.phones.push(phoneHash);
    return seen.phones.length;
  };
}

const askArb = fc.record({
  // Mostly within a window, so devices reach the cap; now and then across its edge.
  gapMs: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 60_000 }), weight: 30 },
    { arbitrary: fc.constantFrom(DEVICE_WINDOW_MS - 1, DEVICE_WINDOW_MS, 2 * DEVICE_WINDOW_MS), weight: 1 },
  ),
  device: fc.integer({ min: 0, max: 2 }),
  phone: fc.integer({ min: 0, max: 8 }),
});

describe('device phones, for any sequence of asks', () => {
  it('counts the distinct phones of each device in its window as the one-array version did', () => {
    fc.assert(
      fc.property(fc.array(askArb, { maxLength: 80 }), (asks) => {
        const devices = createDevicePhones(1_000);
        const reference = arrayReference();
        let nowMs = NOW_MS;
        for (const ask of asks) {
          nowMs += ask.gapMs;
          const [deviceId, phoneHash] = [`device-${ask.device}`, `phone-${ask.phone}`];
          expect(devices.note(deviceId, phoneHash, nowMs)).toBe(reference(deviceId, phoneHash, nowMs));
        }
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
