import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { EventsError } from './events-error.ts';
import { isHostingAsn, isHostingOrg } from './hosting-asn-patterns.ts';
import { parseIp } from './ip-address.ts';

export interface AsnInfo {
  asn: number;
  org: string;
  /** The network belongs to a cloud, VPS or hosting company (see hosting-asn-patterns.ts). */
  hosting: boolean;
}

export interface AsnDatabase {
  /** The network announcing an address (IPv4, IPv6 or IPv4-mapped IPv6); null if unrouted or invalid. */
  lookup(ip: string): AsnInfo | null;
  /** The organisation behind an AS number, for events that bring their own `asn`; null if unknown. */
  byAsn(asn: number): AsnInfo | null;
  readonly rangeCount: { ipv4: number; ipv6: number };
}

export interface AsnDatabaseFiles {
  /** "start,end,asn,org" with integer addresses; defaults to @ip-location-db/asn's asn-ipv4-num.csv. */
  ipv4Csv?: string;
  /** The same for IPv6, addresses as 128-bit decimal integers; defaults to asn-ipv6-num.csv. */
  ipv6Csv?: string;
}

/**
 * Ranges live in typed arrays, sorted by start: ~515k ranges cost ~10 MB instead of the ~100 MB of
 * one object per range and load in a few hundred milliseconds. A lookup first reads where the
 * ranges of the address's top 16 bits begin (`firstAtTop`), then binary-searches those few: a
 * decision asks about a new address on most requests, and a plain binary search over 1.6 MB of
 * starts missed the cache on most of its 19 steps. IPv6 addresses are four 32-bit words per range
 * (numbers compare faster than BigInts). Organisation names are stored once each and shared by index.
 */
export function loadAsnDatabase(files: AsnDatabaseFiles = {}): AsnDatabase {
  const require = createRequire(import.meta.url);
  const ipv4Path = files.ipv4Csv ?? require.resolve('@ip-location-db/asn/asn-ipv4-num.csv');
  const ipv6Path = files.ipv6Csv ?? require.resolve('@ip-location-db/asn/asn-ipv6-num.csv');
  const orgs = createOrgTable();
  const v4 = loadRanges(readCsv(ipv4Path), 1, orgs);
  const v6 = loadRanges(readCsv(ipv6Path), IPV6_WORDS, orgs);

  // First range of each AS number: the org name is the same on all of its ranges.
  const firstRangeOfAsn = new Map<number, { table: RangeTable; index: number }>();
  for (const table of [v4, v6]) {
    for (let index = 0; index < table.count; index++) {
      const asn = table.asns[index]!;
      if (!firstRangeOfAsn.has(asn)) firstRangeOfAsn.set(asn, { table, index });
    }
  }

  // The organisation half of the hosting answer, per organisation: one organisation announces many
  // ranges (a large ISP thousands), and traffic from many networks meets a new range on most requests.
  const orgHosting = new Uint8Array(orgs.names.length);

  function info(table: RangeTable, index: number): AsnInfo {
    const asn = table.asns[index]!;
    const orgId = table.orgIds[index]!;
    const org = orgs.names[orgId]!;
    // Matching ~50 patterns per range at load would cost ~300 ms; ranges that are never looked up never pay.
    let hosting = table.hosting[index]!;
    if (hosting === HOSTING_UNKNOWN) {
      let byOrg = orgHosting[orgId]!;
      if (byOrg === HOSTING_UNKNOWN) orgHosting[orgId] = byOrg = isHostingOrg(org) ? HOSTING_YES : HOSTING_NO;
      hosting = byOrg === HOSTING_YES || isHostingAsn(asn) ? HOSTING_YES : HOSTING_NO;
      table.hosting[index] = hosting;
    }
    return { asn, org, hosting: hosting === HOSTING_YES };
  }

  return {
    lookup(ip) {
      const parsed = parseIp(ip);
      if (parsed === undefined) return null;
      let index: number;
      if (parsed.version === 4) {
        IPV4_ADDRESS[0] = parsed.value;
        index = findRange(v4, IPV4_ADDRESS);
      } else index = findRange(v6, parsed.words);
      if (index === -1) return null;
      return info(parsed.version === 4 ? v4 : v6, index);
    },
    byAsn(asn) {
      const first = firstRangeOfAsn.get(asn);
      return first === undefined ? null : info(first.table, first.index);
    },
    rangeCount: { ipv4: v4.count, ipv6: v6.count },
  };
}

const IPV6_WORDS = 4;
/** The address `findRange` is asked about for IPv4, one word, reused rather than made per lookup. */
const IPV4_ADDRESS = [0];
/** Bits of an address's first word that pick its bucket in `firstAtTop`. */
const TOP_BITS = 16;
const TOP_SHIFT = 32 - TOP_BITS;
const HOSTING_UNKNOWN = 0;
const HOSTING_NO = 1;
const HOSTING_YES = 2;

interface RangeTable {
  count: number;
  /** Words per address: 1 for IPv4, 4 for IPv6. */
  width: number;
  starts: Uint32Array;
  ends: Uint32Array;
  asns: Uint32Array;
  orgIds: Uint32Array;
  hosting: Uint8Array;
  /**
   * At `top`, the first range whose start's first word is at or above `top << TOP_SHIFT`
   * (`count` when none), for every value of the top bits and one past the last: the ranges that
   * may hold an address with those top bits start at `firstAtTop[top] - 1`.
   */
  firstAtTop: Uint32Array;
}

interface OrgTable {
  names: string[];
  idOf(name: string): number;
}

function createOrgTable(): OrgTable {
  const names: string[] = [];
  const ids = new Map<string, number>();
  return {
    names,
    idOf(name) {
      let id = ids.get(name);
      if (id === undefined) {
        id = names.length;
        names.push(name);
        ids.set(name, id);
      }
      return id;
    },
  };
}

function readCsv(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new EventsError('TG_ASN_DB_UNAVAILABLE', `cannot read the ASN database ${path}: ${String(error)}`, { cause: error });
  }
}

/** A hand-rolled reader: csv-parse is ~10x slower on 500k lines, and this format is fixed and simple. */
function loadRanges(text: string, width: number, orgs: OrgTable): RangeTable {
  let capacity = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) capacity++;
  capacity++;
  const table: RangeTable = {
    count: 0,
    width,
    starts: new Uint32Array(capacity * width),
    ends: new Uint32Array(capacity * width),
    asns: new Uint32Array(capacity),
    orgIds: new Uint32Array(capacity),
    hosting: new Uint8Array(capacity),
    firstAtTop: new Uint32Array((1 << TOP_BITS) + 1),
  };
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const c1 = text.indexOf(',', lineStart);
    const c2 = text.indexOf(',', c1 + 1);
    const c3 = text.indexOf(',', c2 + 1);
    if (c1 !== -1 && c3 !== -1 && c3 < lineEnd) {
      const row = table.count++;
      writeAddress(table.starts, row, width, text.slice(lineStart, c1));
      writeAddress(table.ends, row, width, text.slice(c1 + 1, c2));
      table.asns[row] = Number(text.slice(c2 + 1, c3));
      table.orgIds[row] = orgs.idOf(unquote(text.slice(c3 + 1, lineEnd).trimEnd()));
    }
    lineStart = lineEnd + 1;
  }
  indexTopBits(table);
  return table;
}

/** Fills `firstAtTop` in one pass over the sorted starts. */
function indexTopBits(table: RangeTable): void {
  let row = 0;
  for (let top = 0; top <= 1 << TOP_BITS; top++) {
    while (row < table.count && table.starts[row * table.width]! >>> TOP_SHIFT < top) row++;
    table.firstAtTop[top] = row;
  }
}

const WORD_BITS = 32n;
const WORD_MASK = 0xffffffffn;

function writeAddress(target: Uint32Array, row: number, width: number, decimal: string): void {
  if (width === 1) {
    target[row] = Number(decimal);
    return;
  }
  let value = BigInt(decimal);
  for (let word = width - 1; word >= 0; word--) {
    target[row * width + word] = Number(value & WORD_MASK);
    value >>= WORD_BITS;
  }
}

function unquote(field: string): string {
  return field.startsWith('"') && field.endsWith('"') ? field.slice(1, -1).replaceAll('""', '"') : field;
}

/**
 * Index of the range holding the address (the last range starting at or before it), or -1. Every
 * range before `firstAtTop[top]` starts below the address and every one from `firstAtTop[top + 1]`
 * above it, so the search runs between the two, the range before them being the answer when none
 * of them starts at or before the address.
 */
function findRange(table: RangeTable, address: readonly number[]): number {
  const top = address[0]! >>> TOP_SHIFT;
  let low = table.firstAtTop[top]!;
  let high = table.firstAtTop[top + 1]! - 1;
  let candidate = low - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (compare(table.starts, middle, table.width, address) <= 0) {
      candidate = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (candidate === -1 || compare(table.ends, candidate, table.width, address) < 0) return -1;
  return candidate;
}

/** Sign of (stored address at row) - address, word by word from the most significant. */
function compare(words: Uint32Array, row: number, width: number, address: readonly number[]): number {
  const base = row * width;
  for (let word = 0; word < width; word++) {
    const difference = words[base + word]! - address[word]!;
    if (difference !== 0) return difference;
  }
  return 0;
}
