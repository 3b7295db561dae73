/**
 * `npm start` (tollgate start) runs the dashboard next to the API: it prints the dashboard's URL once
 * `next start` answers (building first when the build is missing or stale), the dashboard signs the
 * bootstrap admin in against that API, and SIGTERM stops both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from '@tollgate/server/testing/child-server';
import { TEST_HMAC_KEY } from '@tollgate/server/testing';

const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-start-web-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const ADMIN_KEY = 'start-web-admin-key-0123456789';
// A first start builds the dashboard: about a minute on the 2-core machine, more under load.
const DASHBOARD_DEADLINE_MS = 240_000;
const POLL_MS = 200;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('npm start with the dashboard', () => {
  it(
    'serves the dashboard on WEB_PORT against its API, signs the admin in, and stops both on SIGTERM',
    async () => {
      const webPort = await freePort();
      const server = await spawnServer(
        {
          TOLLGATE_DATA_DIR: dataDir,
          TOLLGATE_HMAC_KEY: TEST_HMAC_KEY,
          TOLLGATE_ADMIN_KEY: ADMIN_KEY,
          TOLLGATE_DEMO: '0',
          TOLLGATE_WEB: '1',
          WEB_PORT: String(webPort),
        },
        'start',
      );
      const until = Date.now() + DASHBOARD_DEADLINE_MS;
      let web: string | undefined;
      while (!(web = /Dashboard\s+(http:\/\/\S+)/.exec(server.output())?.[1])) {
        if (Date.now() > until) throw new Error(`no dashboard line:\n${server.output()}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      expect(web).toBe(`http://127.0.0.1:${webPort}`);
      expect(await (await fetch(`${web}/login`)).text()).toContain('Sign in to Tollgate');

      const signIn = await fetch(`${web}/auth/sign-in`, {
        method: 'POST',
        headers: { origin: web, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'admin', password: ADMIN_KEY, next: '/' }),
        redirect: 'manual',
      });
      expect(signIn.status).toBe(303);
      const cookie = /tg_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0];
      expect(cookie).toMatch(/^tg_session=tgs_/);
      const overview = await fetch(`${web}/`, { headers: { cookie: cookie! } });
      expect(overview.status).toBe(200);
      const html = await overview.text();
      expect(html).toContain('<h1>Overview</h1>');
      expect(html).toMatch(/data-testid="who">admin\b/);

      server.process.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      await expect(fetch(`${web}/login`)).rejects.toThrow();
    },
    DASHBOARD_DEADLINE_MS + 60_000,
  );
});
