import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEgressGuard, EgressRefusedError, parseEgressAllow, refusedRange, type ResolvedAddress } from '../src/index.ts';

const allowOf = parseEgressAllow;

describe('refused ranges', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.255.1', 'private'],
    ['192.168.0.10', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['fd12:3456::1', 'unique-local'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'],
    ['::ffff:8.8.8.8', 'ipv4-mapped'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['2002:7f00:1::', 'loopback'],
  ])('refuses %s as %s', (address, range) => {
    expect(refusedRange(address)).toBe(range);
  });

  it.each(['8.8.8.8', '203.0.113.10', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888', '64:ff9b::808:808'])(
    'lets public %s through',
    (address) => {
      expect(refusedRange(address)).toBeUndefined();
    },
  );
});

describe('TOLLGATE_EGRESS_ALLOW', () => {
  it('reads ranges, single addresses and host names, separated by commas or spaces', () => {
    expect(parseEgressAllow('10.20.0.0/16, 127.0.0.1 fd00::/8,Hooks.Internal')).toEqual({
      ranges: [
        { network: '10.20.0.0', prefix: 16 },
        { network: '127.0.0.1', prefix: 32 },
        { network: 'fd00::', prefix: 8 },
      ],
      hosts: ['hooks.internal'],
    });
  });

  it.each(['10.0.0.0/33', 'http://hooks.internal', 'hooks.internal/8', '::1/129'])('refuses the entry %s and names it', (entry) => {
    expect(() => parseEgressAllow(`127.0.0.1,${entry}`)).toThrow(`"${entry}"`);
  });
});

describe('egress guard', () => {
  let receiver: Server;
  let port: number;
  const hits: string[] = [];
  // What names resolve to, changed by the tests: the stand-in for DNS.
  const dns = new Map<string, ResolvedAddress[]>();
  const resolve = async (hostname: string) => {
    const answer = dns.get(hostname);
    if (answer === undefined) throw new Error('ENOTFOUND');
    return answer;
  };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      if (req.url === '/hang') return;
      if (req.url?.startsWith('/redirect?to=')) {
        res.writeHead(302, { location: decodeURIComponent(req.url.slice('/redirect?to='.length)) }).end();
        return;
      }
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((done) => receiver.close(() => done())));

  it.each([
    ['http://127.0.0.1:8080/hook', 'refused_address', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'refused_address', 'metadata'],
    ['http://[::1]/hook', 'refused_address', 'loopback'],
    ['http://[::ffff:a9fe:a9fe]/', 'refused_address', 'ipv4-mapped'],
    ['http://2130706433/', 'refused_address', 'loopback'],
    ['http://0x7f.1/', 'refused_address', 'loopback'],
    ['ftp://hooks.example/', 'scheme', undefined],
    ['http://user:pw@hooks.example/', 'credentials', undefined],
    ['http://nowhere.example/', 'unresolvable', undefined],
    ['not a url', 'invalid_url', undefined],
  ])('refuses %s (%s)', async (url, reason, range) => {
    const decision = await createEgressGuard({ resolve }).check(url);
    expect(decision).toMatchObject({ allowed: false, reason, ...(range && { range }) });
  });

  it('refuses a name when any address it resolves to is refused, and allows a public one', async () => {
    const guard = createEgressGuard({ resolve });
    dns.set('mixed.example', [
      { address: '203.0.113.7', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ]);
    dns.set('public.example', [{ address: '203.0.113.8', family: 4 }]);
    expect(await guard.check('https://mixed.example/x')).toMatchObject({
      allowed: false,
      range: 'private',
      detail: expect.stringContaining('mixed.example resolves to 10.0.0.7, a private address'),
    });
    expect(await guard.check('https://public.example/x')).toMatchObject({ allowed: true, via: 'public' });
  });

  it('allows what TOLLGATE_EGRESS_ALLOW lists, by range or by host name', async () => {
    dns.set('hooks.internal', [{ address: '10.9.9.9', family: 4 }]);
    const guard = createEgressGuard({ resolve, allow: allowOf('127.0.0.0/8,hooks.internal') });
    expect(await guard.check(`http://127.0.0.1:${port}/`)).toMatchObject({ allowed: true, via: 'allowlist' });
    expect(await guard.check('http://hooks.internal/')).toMatchObject({ allowed: true, via: 'allowlist' });
    expect(await guard.check('http://169.254.169.254/')).toMatchObject({ allowed: false, range: 'metadata' });
  });

  it('refuses at connect time a name that resolved to a public address when checked and to loopback since', async () => {
    const guard = createEgressGuard({ resolve });
    dns.set('rebind.example', [{ address: '203.0.113.9', family: 4 }]);
    expect((await guard.check(`http://rebind.example:${port}/`)).allowed).toBe(true);
    dns.set('rebind.example', [{ address: '127.0.0.1', family: 4 }]);
    const before = hits.length;
    await expect(guard.fetch(`http://rebind.example:${port}/hook`, { method: 'POST', body: '{}' })).rejects.toBeInstanceOf(
      EgressRefusedError,
    );
    expect(hits.length).toBe(before);
    await guard.close();
  });

  it('connects to an allowed name at the address it resolves to', async () => {
    dns.set('receiver.internal', [{ address: '127.0.0.1', family: 4 }]);
    const guard = createEgressGuard({ resolve, allow: allowOf('receiver.internal') });
    const response = await guard.fetch(`http://receiver.internal:${port}/named`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(hits).toContain('POST /named');
    await guard.close();
  });

  it('follows a redirect only to an allowed target', async () => {
    const guard = createEgressGuard({ resolve, allow: allowOf('127.0.0.1') });
    const inside = encodeURIComponent(`http://127.0.0.1:${port}/landed`);
    expect((await guard.fetch(`http://127.0.0.1:${port}/redirect?to=${inside}`)).status).toBe(200);
    expect(hits).toContain('GET /landed');
    const metadata = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
    await expect(guard.fetch(`http://127.0.0.1:${port}/redirect?to=${metadata}`)).rejects.toMatchObject({
      decision: { range: 'metadata' },
    });
    // With redirect: 'manual' the caller gets the 3xx and nothing is followed.
    expect((await guard.fetch(`http://127.0.0.1:${port}/redirect?to=${metadata}`, { redirect: 'manual' })).status).toBe(302);
    await guard.close();
  });

  it("rejects with the signal's reason when the caller gives up, as fetch does (a TimeoutError stays one)", async () => {
    const guard = createEgressGuard({ resolve, allow: allowOf('127.0.0.1') });
    const controller = new AbortController();
    const pending = guard.fetch(`http://127.0.0.1:${port}/hang`, { method: 'POST', body: '{}', signal: controller.signal });
    await vi.waitFor(() => expect(hits).toContain('POST /hang'), { timeout: 5_000 });
    controller.abort(new DOMException('gave up', 'TimeoutError'));
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
    await guard.close();
  });
});
