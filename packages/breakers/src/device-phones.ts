import { createCappedMap, hashString } from '@tollgate/vocabulary';
import { FULL_DEVICE_PHONES } from './risk-signals.ts';

/** How long a device's numbers are remembered: a phone farm cycles numbers within minutes, a family within days. */
export const DEVICE_WINDOW_MS = 60 * 60_000;

/**
 * Phones seen in the window, at most FULL_DEVICE_PHONES: beyond that the signal is full anyway.
 * The first is a field and the rest an array made when a second phone asks: most devices ask for
 * one number, and the table keeps every device's record for the collector to trace. Each phone is
 * a 32-bit fingerprint of its hash rather than the hash, which the record would keep alive.
 */
interface DeviceNumbers {
  windowStartMs: number;
  first: number;
  others: number[] | undefined;
}

/**
 * The phone hashes are keyed hashes already, which nobody can steer without the key, so a plain
 * 32-bit hash of them tells one device's few phones apart: two of them share a fingerprint once
 * in four billion pairs, and are then counted as one (the signal reads one phone fewer).
 */
const PHONE_FINGERPRINT_SEED = 0;

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
  // Device ids are made per request and never read back: fingerprinted, not held (see `fingerprintKeys`).
  const devices = createCappedMap<DeviceNumbers>(maxDevices, { fingerprintKeys: true });
  return {
    note(deviceId, phoneHash, nowMs) {
      const phone = hashString(phoneHash, PHONE_FINGERPRINT_SEED);
      const seen = devices.get(deviceId);
      if (seen === undefined) {
        // Added without probing again: the get just missed.
        devices.addAbsent(deviceId, { windowStartMs: nowMs, first: phone, others: undefined });
        return 1;
      }
      if (nowMs - seen.windowStartMs >= DEVICE_WINDOW_MS) {
        seen.windowStartMs = nowMs;
        seen.first = phone;
        seen.others = undefined;
        return 1;
      }
      const others = seen.others;
      const count = 1 + (others === undefined ? 0 : others.length);
      if (count >= FULL_DEVICE_PHONES || phone === seen.first || others?.includes(phone) === true) return count;
      if (others === undefined) seen.others = [phone];
      else others.push(phone);
      return count + 1;
    },
  };
}
