import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EventsError, isHostingNetwork, loadAsnDatabase } from '../src/index.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('loadAsnDatabase', () => {
  const db = loadAsnDatabase();

  it('loads both address families', () => {
    expect(db.rangeCount.ipv4).toBeGreaterThan(100_000);
    expect(db.rangeCount.ipv6).toBeGreaterThan(10_000);
  });

  // Addresses inside ranges of @ip-location-db/asn's asn-ipv4-num.csv / asn-ipv6-num.csv.
  it.each([
    ['the first address of Cloudflare 1.0.0.0/24', '1.0.0.0', 13335, /Cloudflare/, false],
    ['Cloudflare DNS', '1.0.0.1', 13335, /Cloudflare/, false],
    ['an AWS address', '52.95.110.1', 16509, /^Amazon\.com/, true],
    ['Google public DNS', '8.8.8.8', 15169, /^Google LLC$/, true],
    ['a Hetzner server', '5.9.1.1', 24940, /Hetzner/, true],
    ['a Linode server', '172.104.1.1', 48337, /Linode/, true],
    ['Google public DNS over IPv6', '2001:4860:4860::8888', 15169, /^Google LLC$/, true],
    ['a Hetzner IPv6 server', '2a01:4f8::1', 24940, /Hetzner/, true],
    ['Facebook over IPv6', '2a03:2880:f10c:83:face:b00c:0:25de', 32934, /Facebook/, false],
    ['Cloudflare as IPv4-mapped IPv6', '::ffff:1.0.0.1', 13335, /Cloudflare/, false],
  ])('finds %s', (_name, ip, asn, org, hosting) => {
    expect(db.lookup(ip)).toEqual({ asn, org: expect.stringMatching(org), hosting });
  });

  it.each([
    ['a private address', '10.0.0.1'],
    ['the IPv4 broadcast address', '255.255.255.255'],
    ['IPv6 loopback', '::1'],
    ['something that is not an address', 'localhost'],
  ])('answers null for %s', (_name, ip) => {
    expect(db.lookup(ip)).toBeNull();
  });

  it.each([
    ['an AS number with ranges', 16509, { asn: 16509, org: 'Amazon.com, Inc.', hosting: true }],
    ["Linode, listed by number under Akamai's name", 63949, { asn: 63949, org: 'Akamai Technologies, Inc.', hosting: true }],
    ['an AS number without ranges', 4_294_967_295, null],
  ])('knows the organisation of %s', (_name, asn, expected) => {
    expect(db.byAsn(asn)).toEqual(expected);
  });
});

describe('loadAsnDatabase with given files', () => {
  const db = loadAsnDatabase({ ipv4Csv: fixture('asn-ipv4-mini.csv'), ipv6Csv: fixture('asn-ipv6-mini.csv') });

  it.each([
    ['a quoted organisation with a comma', '1.0.0.255', { asn: 13335, org: 'Cloudflare, Inc.', hosting: false }],
    ['doubled quotes inside a quoted organisation', '2.26.215.255', { asn: 201907, org: 'LLC "SPUTNIK"', hosting: false }],
    ['the start of a range', '3.0.0.0', { asn: 16509, org: 'Amazon.com Inc', hosting: true }],
    [
      'the last address of a 128-bit range',
      '2001::ffff:ffff:ffff:ffff:ffff:ffff',
      { asn: 6939, org: 'Hurricane Electric LLC', hosting: false },
    ],
    ['the gap between two ranges', '1.0.1.0', null],
    ['an address past the last range', '3.0.1.0', null],
    ['an address before the first range', '0.255.255.255', null],
  ])('reads %s', (_name, ip, expected) => {
    expect(db.lookup(ip)).toEqual(expected);
  });

  it('fails with a coded error when a file is missing', () => {
    let code: string | undefined;
    try {
      loadAsnDatabase({ ipv4Csv: fixture('missing.csv'), ipv6Csv: fixture('asn-ipv6-mini.csv') });
    } catch (error) {
      code = error instanceof EventsError ? error.code : String(error);
    }
    expect(code).toBe('TG_ASN_DB_UNAVAILABLE');
  });
});

describe('isHostingNetwork', () => {
  it.each([
    ['Amazon.com, Inc.', 16509, true],
    ['Amazon Data Services Ireland Ltd', 8987, true],
    ['DigitalOcean, LLC', 14061, true],
    ['OVH SAS', 16276, true],
    ['The Constant Company, LLC', 20473, true],
    ['Choopa, LLC', 20473, true],
    ['Contabo GmbH', 51167, true],
    ['M247 Europe SRL', 9009, true],
    ['Datacamp Limited', 212238, true],
    ['Microsoft Corporation', 8075, true],
    ['Oracle Corporation', 31898, true],
    ['Shenzhen Tencent Computer Systems Company Limited', 45090, true],
    ['Alibaba Cloud (Singapore) Private Limited', 134963, true],
    ['Scaleway SAS', 12876, true],
    ['Leaseweb USA, Inc.', 19148, true],
    ['Akamai Technologies, Inc.', 63949, true],
    ['Akamai Technologies, Inc.', 16625, false],
    ['Cloudflare, Inc.', 13335, false],
    ['AMAZONAS TRIBUNAL DE JUSTICA', 263639, false],
    ['Leon Ruetten trading as Vultris', 202231, false],
    ['Google Fiber Inc.', 16591, false],
    ['British Telecommunications PLC', 2856, false],
    ['Deutsche Telekom AG', 3320, false],
  ])('%s (AS%i) is hosting: %s', (org, asn, hosting) => {
    expect(isHostingNetwork(org, asn)).toBe(hosting);
  });
});
