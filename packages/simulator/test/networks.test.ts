import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isHostingNetwork } from '@tollgate/events';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_NETWORKS, HOSTING_NETWORKS } from '../src/catalog/networks.catalog.ts';
import { createSimulator } from '../src/index.ts';
import { compileBlock } from '../src/traffic/ip-address.ts';
import { collect, HOUR_MS, MINUTE_MS, MONDAY_MS, sendsOf } from './support/traffic-stats.ts';

/** ip-location-db's ASN table: rows of first IP, last IP (as integers), ASN, organisation. */
const ASN_TABLE = createRequire(import.meta.url).resolve('@ip-location-db/asn/asn-ipv4-num.csv');

interface AsnRange {
  first: number;
  last: number;
  asn: number;
  org: string;
}

let table: AsnRange[] = [];

function rangeAt(ip: number): AsnRange | undefined {
  let low = 0;
  let high = table.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const row = table[mid];
    if (!row) return undefined;
    if (ip < row.first) high = mid - 1;
    else if (ip > row.last) low = mid + 1;
    else return row;
  }
  return undefined;
}

/** The ASNs announcing [first, last], walking the table's consecutive rows. */
function asnsCovering(first: number, last: number): Set<number | undefined> {
  const asns = new Set<number | undefined>();
  for (let ip = first; ip <= last;) {
    const row = rangeAt(ip);
    asns.add(row?.asn);
    if (!row) break;
    ip = row.last + 1;
  }
  return asns;
}

const toInt = (ip: string): number => ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);

const ALL_BLOCKS = [...Object.values(ACCESS_NETWORKS).flat(), ...HOSTING_NETWORKS];

describe('networks', () => {
  beforeAll(() => {
    table = readFileSync(ASN_TABLE, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        const [first = '', last = '', asn = '', ...org] = line.split(',');
        return { first: Number(first), last: Number(last), asn: Number(asn), org: org.join(',').replace(/^"|"$/g, '') };
      });
  });

  it.each(ALL_BLOCKS.map((block) => [block.cidr, block.asn, block] as const))(
    'block %s is announced by AS%i in the ASN table, whole',
    (_cidr, asn, block) => {
      const { firstIp, size } = compileBlock(block);
      expect([...asnsCovering(firstIp, firstIp + size - 1)]).toEqual([asn]);
    },
  );

  it.each([
    ['hosting', HOSTING_NETWORKS, true],
    ['access', Object.values(ACCESS_NETWORKS).flat(), false],
  ] as const)('agrees with the collectors on which blocks are hosting: %s blocks', (_kind, blocks, hosting) => {
    const misclassified = blocks.filter((block) => {
      const org = rangeAt(compileBlock(block).firstIp)?.org ?? '';
      return isHostingNetwork(org, block.asn) !== hosting;
    });
    expect(misclassified.map((block) => `AS${block.asn} ${block.org}`)).toEqual([]);
  });

  it('puts on every send an IP that the ASN table maps to the send asn', () => {
    const sim = createSimulator({
      seed: 4,
      startMs: MONDAY_MS,
      scenarios: [
        { kind: 'burst_pumping', startMs: MONDAY_MS, durationMs: 20 * MINUTE_MS },
        { kind: 'low_and_slow', startMs: MONDAY_MS, durationMs: HOUR_MS },
      ],
    });
    const sends = sendsOf(collect(sim, MONDAY_MS, MONDAY_MS + HOUR_MS));
    const mismatched = sends.filter((send) => rangeAt(toInt(send.ip))?.asn !== send.asn);
    expect(mismatched.map((send) => `${send.ip} AS${send.asn}`)).toEqual([]);
  });
});
