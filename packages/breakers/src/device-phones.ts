import { createCappedMap } from '@tollgate/vocabulary';
import { FULL_DEVICE_PHONES } from './risk-signals.ts';

/** How long a device's numbers are remembered: a phone farm cycles numbers within minutes, a family within days. */
export const DEVICE_WINDOW_MS = 60 * 60_000;

/**
 * Phone hashes seen in the window, at most FULL_DEVICE_PHONES: beyond that the signal is full
 * anyway. The first is a field and the rest an array made when a second phone asks: most devices
 * ask for one number, and the table keeps every device's record for the collector to trace.
 */
interface DeviceNumbers {
  windowStartMs: number;
  first: string;
  others: string[] | undefined;
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
        // Added without probing again: the get just missed.
        devices.addAbsent(deviceId, { windowStartMs: nowMs, first: phoneHash, others: undefined });
        return 1;
      }
      if (nowMs - seen.windowStartMs >= DEVICE_WINDOW_MS) {
        seen.windowStartMs = nowMs;
        seen.first = phoneHash;
        seen.others = undefined;
        return 1;
      }
      const others = seen.others;
      const count = 1 + (others === undefined ? 0 : others.length);
      if (count >= FULL_DEVICE_PHONES || phoneHash === seen.first || others?.includes(phoneHash) === true) return count;
      if (others === undefined) seen.others = [phoneHash];
      else others.push(phoneHash);
      return count + 1;
    },
  };
}
