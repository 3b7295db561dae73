import { createCappedMap } from '@tollgate/vocabulary';
import { FULL_DEVICE_PHONES } from './risk-signals.ts';

/** How long a device's numbers are remembered: a phone farm cycles numbers within minutes, a family within days. */
export const DEVICE_WINDOW_MS = 60 * 60_000;

interface DeviceNumbers {
  windowStartMs: number;
  /** Phone hashes seen, at most FULL_DEVICE_PHONES: beyond that the signal is full anyway. */
  phones: string[];
}

export interface DevicePhones {
  /** Notes that `deviceId` asked for `phoneHash` and answers how many distinct phones it asked for in the window. */
  note(deviceId: string, phoneHash: string, nowMs: number): number;
}

/**
 * "One device behind many numbers", counted in memory per device id with a hard cap on devices
 * (attackers can invent ids; an evicted id only forgets its numbers). Every ask counts, allowed
 * or not: the signal describes the client's behaviour, not what it was sent.
 */
export function createDevicePhones(maxDevices: number): DevicePhones {
  const devices = createCappedMap<DeviceNumbers>(maxDevices);
  return {
    note(deviceId, phoneHash, nowMs) {
      const seen = devices.get(deviceId);
      if (seen === undefined) {
        // Added without probing again (the get just missed), with its phone in place: an empty array
        // and a push would reserve room for 17 hashes on every new device.
        devices.addAbsent(deviceId, { windowStartMs: nowMs, phones: [phoneHash] });
        return 1;
      }
      if (nowMs - seen.windowStartMs >= DEVICE_WINDOW_MS) {
        seen.windowStartMs = nowMs;
        seen.phones.length = 0;
      }
      if (seen.phones.length < FULL_DEVICE_PHONES && !seen.phones.includes(phoneHash)) seen.phones.push(phoneHash);
      return seen.phones.length;
    },
  };
}
