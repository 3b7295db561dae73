import { isIP } from 'node:net';

/**
 * An address as numbers: IPv4 as one unsigned 32-bit value, IPv6 as four 32-bit words, most
 * significant first. IPv4-mapped IPv6 (::ffff:a.b.c.d) is IPv4: dual-stack servers report IPv4
 * clients that way, and they must land in the same subnet and ASN as the plain form.
 */
export type ParsedIp = { version: 4; value: number } | { version: 6; words: [number, number, number, number] };

/** ::ffff:0:0/96 holds IPv4 addresses in IPv6 form (RFC 4291, section 2.5.5.2). */
const IPV4_MAPPED_MARKER = 0xffff;
const IPV4_HOST_MASK = 0xff;
const IPV6_HEXTETS = 8;

export function isValidIp(ip: string): boolean {
  return isIP(ip) !== 0;
}

export function parseIp(ip: string): ParsedIp | undefined {
  const version = isIP(ip);
  if (version === 4) return { version: 4, value: parseIpv4(ip) };
  if (version !== 6) return undefined;
  const hextets = parseIpv6Hextets(ip);
  const words: [number, number, number, number] = [
    hextets[0]! * 0x10000 + hextets[1]!,
    hextets[2]! * 0x10000 + hextets[3]!,
    hextets[4]! * 0x10000 + hextets[5]!,
    hextets[6]! * 0x10000 + hextets[7]!,
  ];
  if (words[0] === 0 && words[1] === 0 && words[2] === IPV4_MAPPED_MARKER) return { version: 4, value: words[3] };
  return { version: 6, words };
}

/** The address in one canonical text form (RFC 5952 for IPv6, dotted quad for IPv4 and mapped IPv4), '' if invalid. */
export function canonicalIp(ip: string): string {
  // isIP accepts IPv4 only in canonical dotted-quad form (no leading zeros): nothing to rewrite.
  if (isIP(ip) === 4) return ip;
  const parsed = parseIp(ip);
  if (parsed === undefined) return '';
  return parsed.version === 4 ? formatIpv4(parsed.value) : formatIpv6(wordsToHextets(parsed.words));
}

/** Prefix lengths that group one client's addresses: an IPv4 /24, and the /64 an ISP hands one IPv6 subscriber (RFC 6177). */
const IPV4_SUBNET_BITS = 24;
const IPV6_SUBNET_BITS = 64;

/**
 * The network an address belongs to: "203.0.113.0/24" or "2001:db8:1:2::/64" ('' if the address is
 * invalid, the column's "unknown"). Rotating proxies change the address, rarely the subnet.
 */
export function ipSubnet(ip: string): string {
  // The hot path (plain IPv4, once per event) is string work: the /24 is the first three octets.
  if (isIP(ip) === 4) return `${ip.slice(0, ip.lastIndexOf('.'))}.0/${IPV4_SUBNET_BITS}`;
  const parsed = parseIp(ip);
  if (parsed === undefined) return '';
  if (parsed.version === 4) {
    return `${formatIpv4(parsed.value - (parsed.value & IPV4_HOST_MASK))}/${IPV4_SUBNET_BITS}`;
  }
  const hextets = wordsToHextets([parsed.words[0], parsed.words[1], 0, 0]);
  return `${formatIpv6(hextets)}/${IPV6_SUBNET_BITS}`;
}

/** Expects a dotted quad isIP accepted (digits and dots only). Read by character: no split arrays per address. */
function parseIpv4(ip: string): number {
  let value = 0;
  let octet = 0;
  for (let i = 0; i < ip.length; i++) {
    const code = ip.charCodeAt(i);
    if (code === DOT) {
      value = value * 256 + octet;
      octet = 0;
    } else octet = octet * 10 + (code - DIGIT_ZERO);
  }
  return value * 256 + octet;
}

const DOT = 0x2e;
const DIGIT_ZERO = 0x30;

function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/** Expects an address isIP accepted; a zone index (fe80::1%eth0) is dropped, it only means something on the host. */
function parseIpv6Hextets(ip: string): number[] {
  const zoneAt = ip.indexOf('%');
  const address = zoneAt === -1 ? ip : ip.slice(0, zoneAt);
  const [head = '', tail] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? headGroups : tailGroups;
  const last = groups.at(-1);
  if (last !== undefined && last.includes('.')) {
    const v4 = parseIpv4(last);
    groups.splice(-1, 1, ((v4 >>> 16) & 0xffff).toString(16), (v4 & 0xffff).toString(16));
  }
  const zeros = new Array<string>(IPV6_HEXTETS - headGroups.length - tailGroups.length).fill('0');
  const all = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups];
  return all.map((group) => parseInt(group, 16));
}

function wordsToHextets(words: readonly number[]): number[] {
  return words.flatMap((word) => [word >>> 16, word & 0xffff]);
}

/** RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
function formatIpv6(hextets: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < hextets.length; start++) {
    let length = 0;
    while (start + length < hextets.length && hextets[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
    start += length;
  }
  const text = (from: number, to: number) =>
    hextets
      .slice(from, to)
      .map((h) => h.toString(16))
      .join(':');
  if (bestStart === -1) return text(0, hextets.length);
  return `${text(0, bestStart)}::${text(bestStart + bestLength, hextets.length)}`;
}
