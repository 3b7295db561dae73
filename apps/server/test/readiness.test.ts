import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '@tollgate/store';
import { openTestServer, type TestServer } from './support/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await openTestServer('readiness');
});
afterAll(() => server.close());

describe('GET /readyz', () => {
  it('answers 200 while the store answers and every migration is applied', async () => {
    const res = await server.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ready: true, checks: { store: { ok: true }, migrations: { ok: true } } });
  });

  it("answers 503 once the store is down, with the store's own reason", async () => {
    // Nothing may use the store past this point: the decision runtime's breaker sync stops first.
    await server.decisions.stop();
    await server.core.store.close();
    const res = await server.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      ready: false,
      checks: { store: { ok: false, detail: expect.stringMatching(/^store does not answer: .*closed/) }, migrations: { ok: false } },
    });
  });
});

describe('store.ping()', () => {
  let refusing: Server;
  let port: number;
  beforeAll(async () => {
    // A port that takes connections and drops them at once: a ClickHouse server going down.
    refusing = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    port = (refusing.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => refusing.close(() => resolve())));

  it("carries the client's error when a ClickHouse server does not answer", async () => {
    const store = createStore({ kind: 'server', url: `http://127.0.0.1:${port}`, username: 'default', password: '', database: 'tollgate' });
    try {
      expect(await store.ping()).toEqual({ ok: false, reason: expect.stringMatching(/socket hang up|ECONNRESET/) });
    } finally {
      await store.close();
    }
  });
});
