import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadAsnDatabase } from '../src/index.ts';

/**
 * The lookup's search (an index on the top 16 bits, then a binary search among that bucket's ranges)
 * against the plain binary search over every range it replaced, on the shipped database: every
 * range's first and last address and the addresses either side of them, and random addresses.
 */
interface Ranges {
  starts: bigint[];
  ends: bigint[];
  asns: number[];
  orgs: string[];
}

function readRanges(file: string): Ranges {
  const path = createRequire(import.meta.url).resolve(`@ip-location-db/asn/${file}`);
  const ranges: Ranges = { starts: [], ends: [], asns: [], orgs: [] };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const fields = /^(\d+),(\d+),(\d+),(.*)$/.exec(line.trimEnd());
    if (fields === null) continue;
    ranges.starts.push(BigInt(fields[1]!));
    ranges.ends.push(BigInt(fields[2]!));
    ranges.asns.push(Number(fields[3]));
    const org = fields[4]!;
    ranges.orgs.push(org.startsWith('"') && org.endsWith('"') ? org.slice(1, -1).replaceAll('""', '"') : org);
  }
  return ranges;
}

/** The last range starting at or before the address, if it also ends at or after it. */
function referenceLookup(ranges: Ranges, address: bigint): { asn: number; org: string } | null {
  let low = 0;
  let high = ranges.starts.length - 1;
  let candidate = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (ranges.starts[middle]! <= address) {
      candidate = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  if (candidate === -1 || ranges.ends[candidate]! < address) return null;
  return { asn: ranges.asns[candidate]!, org: ranges.orgs[candidate]! };
}

function ipv4(address: bigint): string {
  const n = Number(address);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function ipv6(address: bigint): string {
  const hex = address.toString(16).padStart(32, '0');
  return hex.match(/.{4}/g)!.join(':');
}

const FAMILIES = [
  { name: 'IPv4', file: 'asn-ipv4-num.csv', bits: 32n, format: ipv4 },
  { name: 'IPv6', file: 'asn-ipv6-num.csv', bits: 128n, format: ipv6 },
];

describe('the ASN lookup against a plain binary search over every range', () => {
  const db = loadAsnDatabase();

  it.each(FAMILIES)('answers alike at both ends of every $name range and either side of them', ({ file, bits, format }) => {
    const ranges = readRanges(file);
    const last = (1n << bits) - 1n;
    const mismatches: string[] = [];
    let compared = 0;
    let found = 0;
    for (let i = 0; i < ranges.starts.length; i++) {
      for (const address of [ranges.starts[i]! - 1n, ranges.starts[i]!, ranges.ends[i]!, ranges.ends[i]! + 1n]) {
        if (address < 0n || address > last) continue;
        const expected = referenceLookup(ranges, address);
        const answer = db.lookup(format(address));
        if (answer?.asn !== expected?.asn || answer?.org !== expected?.org) mismatches.push(format(address));
        compared++;
        if (expected !== null) found++;
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    // Every range's own ends are found: the comparison is not of two empty answers.
    expect(found).toBeGreaterThanOrEqual(2 * ranges.starts.length);
    expect(compared).toBeGreaterThan(3 * ranges.starts.length);
  });

  it.each(FAMILIES)('answers alike for random $name addresses', ({ file, bits, format }) => {
    const ranges = readRanges(file);
    const words = Number(bits / 32n);
    fc.assert(
      // Anywhere, or near a range's start: random IPv6 addresses far from any range would all answer null.
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: words, maxLength: words }),
        fc.nat(ranges.starts.length - 1),
        fc.boolean(),
        (parts, near, anywhere) => {
          const random = parts.reduce((value, part) => (value << 32n) | BigInt(part), 0n);
          const address = anywhere ? random : (ranges.starts[near]! + (random % 0x20000n) - 0x10000n + (1n << bits)) % (1n << bits);
          const answer = db.lookup(format(address));
          expect(answer === null ? null : { asn: answer.asn, org: answer.org }).toEqual(referenceLookup(ranges, address));
        },
      ),
      { seed: 17, numRuns: 20_000 },
    );
  });
});
