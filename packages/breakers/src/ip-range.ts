import { isIP } from 'node:net';

/**
 * CIDR ranges (IPv4 and IPv6) for allowlists, checked on the decision path. node:net's BlockList
 * does the same but costs about 2 µs a check, most of the decision budget; comparing numbers
 * costs a few dozen nanoseconds.
 */
export interface IpRangeSet {
  contains(ip: string): boolean;
  readonly size: number;
}

/** An address as 16-bit groups, most significant first: 2 for IPv4, 8 for IPv6. */
type Groups = number[];

interface Range {
  groups: Groups;
  prefixBits: number;
}

const GROUP_BITS = 16;
const GROUP_MASK = 0xffff;
const IPV4_BITS = 32;
const IPV6_BITS = 128;
const IPV6_GROUPS = 8;
const OCTET_MAX = 255;
/** ::ffff:0:0/96 carries IPv4 addresses in IPv6 form (RFC 4291, 2.5.5.2): dual-stack servers report IPv4 clients so. */
const IPV4_MAPPED_MARKER = 0xffff;
const IPV4_MAPPED_MARKER_GROUP = 5;

/** Why `text` is not a CIDR range ("10.0.0.0/8", "2001:db8::/32"), or undefined if it is. */
export function checkCidr(text: string): string | undefined {
  return parseRange(text) === undefined
    ? `"${text}" is not a CIDR range (an IPv4 or IPv6 address, "/", and a prefix length: "10.0.0.0/8", "2001:db8::/32")`
    : undefined;
}

/** Ranges must have passed `checkCidr`; others are ignored. */
export function createIpRangeSet(cidrs: readonly string[]): IpRangeSet {
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const cidr of cidrs) {
    const range = parseRange(cidr);
    if (range !== undefined) (range.groups.length === 2 ? v4 : v6).push(range);
  }
  return {
    size: v4.length + v6.length,
    contains(ip) {
      const groups = parseAddress(ip);
      if (groups === undefined) return false;
      const ranges = groups.length === 2 ? v4 : v6;
      for (const range of ranges) {
        if (inRange(groups, range)) return true;
      }
      return false;
    },
  };
}

function parseRange(text: string): Range | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const groups = parseAddress(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (groups === undefined || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const prefixBits = Number(bitsText);
  if (prefixBits > (groups.length === 2 ? IPV4_BITS : IPV6_BITS)) return undefined;
  return { groups, prefixBits };
}

function inRange(groups: Groups, range: Range): boolean {
  let bits = range.prefixBits;
  for (let index = 0; bits > 0; index++, bits -= GROUP_BITS) {
    const mask = bits >= GROUP_BITS ? GROUP_MASK : (GROUP_MASK << (GROUP_BITS - bits)) & GROUP_MASK;
    if ((groups[index]! & mask) !== (range.groups[index]! & mask)) return false;
  }
  return true;
}

/** IPv4 (including IPv4-mapped IPv6) as 2 groups, IPv6 as 8, undefined if not an address. */
function parseAddress(ip: string): Groups | undefined {
  const v4 = parseIpv4(ip);
  if (v4 !== undefined) return v4;
  if (isIP(ip) !== 6) return undefined;
  const groups = parseIpv6(ip);
  const mapped =
    groups.slice(0, IPV4_MAPPED_MARKER_GROUP).every((group) => group === 0) && groups[IPV4_MAPPED_MARKER_GROUP] === IPV4_MAPPED_MARKER;
  return mapped ? groups.slice(IPV4_MAPPED_MARKER_GROUP + 1) : groups;
}

/** Dotted quad without leading zeros (the only IPv4 form isIP accepts), parsed without allocating strings. */
function parseIpv4(ip: string): Groups | undefined {
  let value = 0;
  let octet = -1;
  let digits = 0;
  let dots = 0;
  for (let index = 0; index < ip.length; index++) {
    const code = ip.charCodeAt(index);
    if (code === 46 /* . */) {
      if (octet < 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = -1;
      digits = 0;
      dots++;
    } else if (code >= 48 && code <= 57) {
      if (digits > 0 && octet === 0) return undefined;
      octet = (octet < 0 ? 0 : octet * 10) + (code - 48);
      digits++;
      if (octet > OCTET_MAX) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || octet < 0) return undefined;
  value = value * 256 + octet;
  return [Math.floor(value / 0x10000), value & GROUP_MASK];
}

/** Expects an address isIP accepted as IPv6; a zone index (fe80::1%eth0) only means something on the host. */
function parseIpv6(ip: string): Groups {
  const zone = ip.indexOf('%');
  const address = zone === -1 ? ip : ip.slice(0, zone);
  const toGroups = (part: string): Groups =>
    part === ''
      ? []
      : part.split(':').flatMap((piece) => {
          if (!piece.includes('.')) return [parseInt(piece, 16)];
          const [high = 0, low = 0] = parseIpv4(piece) ?? [];
          return [high, low];
        });
  const gap = address.indexOf('::');
  if (gap === -1) return toGroups(address);
  const head = toGroups(address.slice(0, gap));
  const tail = toGroups(address.slice(gap + 2));
  return [...head, ...new Array<number>(IPV6_GROUPS - head.length - tail.length).fill(0), ...tail];
}
