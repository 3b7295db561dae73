import { BlockList, isIP } from 'node:net';

/** Why an address is no place for the server to send a request of its own. */
export type RefusedRange =
  'metadata' | 'unspecified' | 'loopback' | 'private' | 'cgnat' | 'link-local' | 'multicast' | 'reserved' | 'unique-local' | 'ipv4-mapped';

// Cloud instance metadata services: they hand out credentials to whoever asks from the machine.
// AWS, GCP and Azure 169.254.169.254 (AWS over IPv6 fd00:ec2::254), ECS task metadata
// 169.254.170.2, Alibaba 100.100.100.200, Oracle 192.0.0.192. Named first so the refusal says so.
const METADATA = ['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192', 'fd00:ec2::254'];

// IANA special-purpose registries (RFC 6890 and its updates): ranges that reach this host, its
// network, or nothing routable. The documentation ranges (192.0.2.0/24 and the like) route nowhere
// either, but refusing them gains nothing and they are what examples use.
const RANGES: readonly [RefusedRange, string, number][] = [
  ['unspecified', '0.0.0.0', 8],
  ['loopback', '127.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['cgnat', '100.64.0.0', 10],
  ['link-local', '169.254.0.0', 16],
  ['reserved', '192.0.0.0', 24],
  ['reserved', '198.18.0.0', 15],
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4],
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['ipv4-mapped', '::ffff:0:0', 96],
  ['reserved', '::', 96],
  ['reserved', '64:ff9b:1::', 48],
  ['reserved', '100::', 64],
  ['unique-local', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['reserved', 'fec0::', 10],
  ['multicast', 'ff00::', 8],
];

// IPv6 prefixes that carry an IPv4 address (NAT64 64:ff9b::/96, 6to4 2002::/16): judged by the IPv4 inside.
const NAT64_PREFIX = /^64:ff9b::/i;
const SIX_TO_FOUR_PREFIX_GROUP = 0x2002;

const lists = new Map<RefusedRange, BlockList>();
for (const address of METADATA) listOf('metadata').addAddress(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
for (const [range, network, prefix] of RANGES) listOf(range).addSubnet(network, prefix, network.includes(':') ? 'ipv6' : 'ipv4');

function listOf(range: RefusedRange): BlockList {
  let list = lists.get(range);
  if (list === undefined) {
    list = new BlockList();
    lists.set(range, list);
  }
  return list;
}

/**
 * The refused range an IP address falls in, or undefined for a public address. An IPv4-mapped
 * address (::ffff:a.b.c.d) is refused as such: a resolver that answers one is steering around the
 * IPv4 checks. NAT64 and 6to4 addresses are judged by the IPv4 address they carry.
 */
export function refusedRange(address: string): RefusedRange | undefined {
  const version = isIP(address);
  if (version === 0) return 'reserved';
  const family = version === 6 ? 'ipv6' : 'ipv4';
  const mapped = lists.get('ipv4-mapped')!;
  for (const [range, list] of lists) {
    // BlockList matches IPv4 and IPv4-mapped IPv6 against each other's rules: keep the mapped form its own name.
    if (range === 'ipv4-mapped' ? family === 'ipv4' : family === 'ipv6' && mapped.check(address, 'ipv6')) continue;
    if (list.check(address, family)) return range;
  }
  const embedded = family === 'ipv6' ? embeddedIpv4(address) : undefined;
  return embedded === undefined ? undefined : refusedRange(embedded);
}

/** The IPv4 address a NAT64 or 6to4 address carries. */
function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (NAT64_PREFIX.test(address) && groups.slice(2, 6).every((g) => g === 0)) return toIpv4(groups[6]!, groups[7]!);
  if (groups[0] === SIX_TO_FOUR_PREFIX_GROUP) return toIpv4(groups[1]!, groups[2]!);
  return undefined;
}

function toIpv4(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** Eight 16-bit groups of an address isIP accepted as IPv6. */
function expandIpv6(address: string): number[] {
  const zone = address.indexOf('%');
  const text = zone === -1 ? address : address.slice(0, zone);
  const toGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((piece) => {
          if (!piece.includes('.')) return [parseInt(piece, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const gap = text.indexOf('::');
  if (gap === -1) return toGroups(text);
  const head = toGroups(text.slice(0, gap));
  const tail = toGroups(text.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}
