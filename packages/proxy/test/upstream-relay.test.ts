import { createServer, type Server } from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../src/provider-operation.ts';
import { createHttpFetch } from '../src/node-http.fetch.ts';
import { createRelay, type UpstreamFetch } from '../src/upstream-relay.ts';

/** A provider stand-in whose answers the test scripts per path: a queue of statuses, or silence. */
let server: Server;
let base: string;
const script = new Map<string, number[]>();
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    req.resume();
    if (path === '/silent') return;
    const status = script.get(path)?.shift() ?? 200;
    res.writeHead(status, { 'content-type': 'application/json', 'twilio-request-id': 'RQ1' }).end(JSON.stringify({ status }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A port nothing listens on: one that was just released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The relay's two clients: node's HTTP client (the default) and the global fetch held to the same time limit. */
const FETCHES: [string, UpstreamFetch][] = [
  ['node http', createHttpFetch()],
  ['global fetch', (url, { timeoutMs, ...init }) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })],
];

const counted = (inner: UpstreamFetch) => {
  const urls: string[] = [];
  const fetcher: UpstreamFetch = (url, init) => {
    urls.push(url);
    return inner(url, init);
  };
  return { urls, fetcher };
};

describe('upstream relay', () => {
  it.each(FETCHES)(
    'retries a read the provider briefly could not answer, and passes its answer back without hop headers (%s)',
    async (label, inner) => {
      script.set(`/read?${label.replace(' ', '-')}`, [503, 502]);
      const { urls, fetcher } = counted(inner);
      const outcome = await createRelay({ fetch: fetcher, options: { timeoutMs: 1_000, retries: 2 } }).relay({
        operation: OPERATIONS.twilioVerificationFetch,
        url: `${base}/read?${label.replace(' ', '-')}`,
        method: 'GET',
        headers: {},
      });
      expect(outcome).toMatchObject({ ok: true, status: 200, attempts: 3 });
      if (!outcome.ok) return;
      expect(outcome.headers['twilio-request-id']).toBe('RQ1');
      expect(outcome.headers['content-length']).toBeUndefined();
      expect(urls).toHaveLength(3);
    },
  );

  it.each([
    ['a Verify create', OPERATIONS.twilioVerification],
    ['a Verify check', OPERATIONS.twilioVerificationCheck],
    ['a Vonage SMS', OPERATIONS.vonageSms],
  ])('passes back a gateway error of %s once: a second attempt could send twice', async (_label, operation) => {
    const path = `/once-${operation.id}`;
    script.set(path, [503]);
    const outcome = await createRelay({ fetch, options: { timeoutMs: 1_000, retries: 2 } }).relay({
      operation,
      url: `${base}${path}`,
      method: 'POST',
      headers: {},
      body: 'To=%2B447400100001',
    });
    expect(outcome).toMatchObject({ ok: true, status: 503, attempts: 1 });
    expect(hits.get(path)).toBe(1);
  });

  it.each(FETCHES)('retries a create whose connection was refused: nothing reached the provider (%s)', async (_label, inner) => {
    const { urls, fetcher } = counted(inner);
    const url = `http://127.0.0.1:${await closedPort()}/v2/verify`;
    const outcome = await createRelay({ fetch: fetcher, options: { timeoutMs: 1_000, retries: 2 } }).relay({
      operation: OPERATIONS.vonageVerifyRequest,
      url,
      method: 'POST',
      headers: {},
      body: '{}',
    });
    expect(outcome).toMatchObject({ ok: false, failure: 'unreachable', attempts: 3 });
    if (!outcome.ok) expect(outcome.detail).toMatch(/^ECONNREFUSED/);
    expect(urls).toEqual([url, url, url]);
  });

  it.each(FETCHES)('gives up on a provider that does not answer in time, without retrying a create (%s)', async (_label, inner) => {
    const before = hits.get('/silent') ?? 0;
    const outcome = await createRelay({ fetch: inner, options: { timeoutMs: 500, retries: 2 } }).relay({
      operation: OPERATIONS.twilioMessage,
      url: `${base}/silent`,
      method: 'POST',
      headers: {},
      body: '',
    });
    expect(outcome).toMatchObject({ ok: false, failure: 'timeout', attempts: 1 });
    expect(hits.get('/silent')).toBe(before + 1);
  });

  it('resolves each new connection through the injected lookup, and sends nothing to a target admit refuses', async () => {
    const looked: string[] = [];
    const lookup: LookupFunction = (hostname, options, callback) => {
      looked.push(hostname);
      if (options.all) (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    };
    const guarded = createHttpFetch({
      lookup,
      admit: async (url) => {
        if (url.pathname === '/refused') throw new Error('EGRESS: provider.test is not an upstream here');
      },
    });
    const relay = createRelay({ fetch: guarded, options: { timeoutMs: 1_000, retries: 2 } });
    const port = new URL(base).port;
    // `connection: close` makes each request open a connection of its own: each is resolved anew.
    for (const path of ['/looked-up', '/looked-up']) {
      const outcome = await relay.relay({
        operation: OPERATIONS.twilioVerificationFetch,
        url: `http://provider.test:${port}${path}`,
        method: 'GET',
        headers: { connection: 'close' },
      });
      expect(outcome).toMatchObject({ ok: true, status: 200 });
    }
    expect(looked).toEqual(['provider.test', 'provider.test']);
    const refused = await relay.relay({
      operation: OPERATIONS.twilioVerification,
      url: `http://provider.test:${port}/refused`,
      method: 'POST',
      headers: {},
      body: 'To=%2B447400100001',
    });
    expect(refused).toMatchObject({ ok: false, failure: 'unreachable' });
    expect(refused.ok === false && refused.detail).toMatch(/not an upstream here/);
    expect(hits.get('/refused')).toBeUndefined();
  });
});
