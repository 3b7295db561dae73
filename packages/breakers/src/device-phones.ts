import { createCappedSlots, hashString } from '@tollgate/vocabulary';
import { FULL_DEVICE_PHONES } from './risk-signals.ts';

/** How long a device's numbers are remembered: a phone farm cycles numbers within minutes, a family within days. */
export const DEVICE_WINDOW_MS = 60 * 60_000;

/**
 * A device's numbers in its slot of the table: when its window started and the first phone seen
 * in it, as numbers beside the slot rather than in a record per device. Every allowed send names a
 * new device in a busy hour, and a record per device lived in the table until its turnover: a
 * hundred bytes per request promoted into old space, which on a server (a heap of about 90 MB
 * besides the tables) brought a full mark of the heap every few tens of thousands of decisions
 * (bench/RESULTS.md, "decide: the unaccounted microseconds"). The other phones, up to
 * FULL_DEVICE_PHONES (beyond that the signal is full anyway), are the slot's value: an array made
 * only when a second phone asks from the device, as few do. Each phone is a 32-bit fingerprint of
 * its hash rather than the hash, which the table would keep alive.
 */
const WINDOW_START_MS = 0;
const FIRST_PHONE = 1;
const NUMBERS_PER_DEVICE = 2;

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
  const devices = createCappedSlots(maxDevices, NUMBERS_PER_DEVICE, { fingerprintKeys: true });
  const { table } = devices;
  return {
    note(deviceId, phoneHash, nowMs) {
      const phone = hashString(phoneHash, PHONE_FINGERPRINT_SEED);
      const slot = devices.find(deviceId);
      if (slot < 0) {
        // Added without probing again: the find just missed.
        const added = devices.add(deviceId, undefined);
        table.setNumber(added, WINDOW_START_MS, nowMs);
        table.setNumber(added, FIRST_PHONE, phone);
        return 1;
      }
      if (nowMs - table.numberAt(slot, WINDOW_START_MS) >= DEVICE_WINDOW_MS) {
        table.setNumber(slot, WINDOW_START_MS, nowMs);
        table.setNumber(slot, FIRST_PHONE, phone);
        table.setValue(slot, undefined);
        return 1;
      }
      const others = table.valueAt(slot) as number[] | undefined;
      const count = 1 + (others === undefined ? 0 : others.length);
      if (count >= FULL_DEVICE_PHONES || phone === table.numberAt(slot, FIRST_PHONE) || others?.includes(phone) === true) return count;
      if (others === undefined) table.setValue(slot, [phone]);
      else others.push(phone);
      return count + 1;
    },
  };
}
