import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkCidr, compileAllowlist, createIpRangeSet } from '../src/index.ts';

describe('createIpRangeSet', () => {
  const ranges = createIpRangeSet(['10.0.0.0/8', '192.0.2.128/25', '203.0.113.7/32', '2001:db8:1000::/48', '2a00:23c5::/32', 'fe80::/10']);

  it.each([
    ['inside an IPv4 /8', '10.255.3.4', true],
    ['inside an IPv4 /25', '192.0.2.200', true],
    ['just below an IPv4 /25', '192.0.2.127', false],
    ['the one address of a /32', '203.0.113.7', true],
    ['next to a /32', '203.0.113.8', false],
    ['outside every IPv4 range', '11.0.0.1', false],
    ['an IPv4-mapped IPv6 form of an IPv4 range member', '::ffff:10.1.2.3', true],
    ['inside an IPv6 /48', '2001:db8:1000:ffff::1', true],
    ['just outside an IPv6 /48', '2001:db8:1001::1', false],
    ['inside an IPv6 /32 written in full', '2a00:23c5:0000:0000:0000:0000:0000:0001', true],
    ['inside a /10 that splits a group', 'febf::1', true],
    ['outside a /10 that splits a group', 'fec0::1', false],
    ['an IPv6 address with a zone index', 'fe80::1%eth0', true],
    ['IPv4 with a leading zero', '10.01.2.3', false],
    ['an octet over 255', '10.0.0.256', false],
    ['not an address', 'localhost', false],
    ['empty', '', false],
  ])('%s (%s): %s', (_name, ip, inside) => {
    expect(ranges.contains(ip)).toBe(inside);
  });

  it('contains every address under /0', () => {
    const everything = createIpRangeSet(['0.0.0.0/0', '::/0']);
    expect(['1.2.3.4', '255.255.255.255', '2001:db8::1', '::1'].every((ip) => everything.contains(ip))).toBe(true);
  });
});

describe('checkCidr', () => {
  it.each(['10.0.0.0/8', '0.0.0.0/0', '2001:db8::/32', '::/0', '192.0.2.1/32', '2001:db8::1/128'])('accepts %s', (cidr) => {
    expect(checkCidr(cidr)).toBeUndefined();
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '2001:db8::/129', '10.0.0/8', '10.0.0.0/-1', '10.0.0.0/8/8', 'example.com/8', '::ffff:10.0.0.0/104'])(
    'refuses %s',
    (cidr) => {
      expect(checkCidr(cidr)).toMatch(/is not a CIDR range/);
    },
  );
});

describe('compileAllowlist', () => {
  const key = Buffer.alloc(32, 7);
  const hashPhone = (e164: string) => createHmac('sha256', key).update(e164).digest('hex');
  const allowlist = compileAllowlist({ phones: ['+447700900123'], apps: ['loadtest'], ipRanges: ['192.0.2.0/24'] }, hashPhone);
  const base = { app: 'shop', phoneHash: hashPhone('+447700900999'), ip: '81.2.69.160' };

  it.each([
    ['a test number, by its keyed hash', { phoneHash: hashPhone('+447700900123') }, 'phone'],
    ['an allowlisted app', { app: 'loadtest' }, 'app'],
    ['an address in an allowlisted range', { ip: '192.0.2.10' }, 'ip'],
  ] as const)('lists %s', (_name, overrides, by) => {
    expect(allowlist.match({ ...base, ...overrides })).toMatchObject({ listed: true, by });
  });

  it('lists nothing else, and never sees the raw number', () => {
    expect(allowlist.match(base)).toEqual({ listed: false });
    expect(allowlist.match({ ...base, phoneHash: '+447700900123' })).toEqual({ listed: false });
  });
});
