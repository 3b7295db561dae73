import { describe, expect, it } from 'vitest';
import { canonicalIp, ipSubnet, isValidIp } from '../src/index.ts';

describe('ipSubnet', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0/24'],
    ['10.0.0.0', '10.0.0.0/24'],
    ['255.255.255.255', '255.255.255.0/24'],
    ['::ffff:203.0.113.77', '203.0.113.0/24'],
    ['::ffff:cb00:714d', '203.0.113.0/24'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:0:0:1::1', '2001:db8::/64'],
    ['2001:db8::1', '2001:db8::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
    ['::1', '::/64'],
    ['64:ff9b::203.0.113.7', '64:ff9b::/64'],
    ['not an ip', ''],
  ])('puts %s in %s', (ip, subnet) => {
    expect(ipSubnet(ip)).toBe(subnet);
  });
});

describe('canonicalIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['::', '::'],
    ['::1.2.3.4', '::102:304'],
    ['1.2.3', ''],
  ])('writes %s as %s', (ip, canonical) => {
    expect(canonicalIp(ip)).toBe(canonical);
  });
});

describe('isValidIp', () => {
  it.each([
    ['203.0.113.7', true],
    ['2001:db8::1', true],
    ['::ffff:1.2.3.4', true],
    ['203.0.113.256', false],
    ['01.2.3.4', false],
    [' 203.0.113.7', false],
    ['example.com', false],
    ['', false],
  ])('%s is valid: %s', (ip, valid) => {
    expect(isValidIp(ip)).toBe(valid);
  });
});
