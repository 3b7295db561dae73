/**
 * What every browser test of the dashboard stands on: a real API server on loopback with its
 * embedded store (filled by the test's own `prepare`), one user per role, the dashboard's
 * production build served by `next start`, and headless Chromium. Screenshots go to
 * apps/web/test-artifacts/ (git-ignored) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { openTestServer, TEST_ADMIN_KEY, type TestServer } from '@tollgate/server/testing';
import { startWeb, type WebServer } from '../../launcher/web-server.ts';
import { launchChromium } from './chromium.ts';

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
export const PASSWORD = 'a dashboard test password';
export const ROLES = ['viewer', 'finance', 'oncall', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const SESSION_COOKIE = 'tg_session';
export const ADMIN_HEADERS = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

/** A desktop and the narrowest common phone (iPhone 12 to 15). */
export const VIEWPORTS = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } } as const;
export type Viewport = keyof typeof VIEWPORTS;

export interface DashboardFixture {
  server: TestServer;
  web: WebServer;
  browser: Browser;
  apiUrl: string;
  /** A fresh browser context signed in as `<role>-ana`, on `path`. */
  signIn(role: Role, path?: string, viewport?: Viewport): Promise<Page>;
  close(): Promise<void>;
}

const PAGE_TIMEOUT_MS = 90_000;

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function startDashboard(
  label: string,
  options: { prepare: (server: TestServer) => Promise<void>; alertingEnv?: NodeJS.ProcessEnv },
): Promise<DashboardFixture> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await openTestServer(label, options.alertingEnv ? { alertingEnv: options.alertingEnv } : {});
  await options.prepare(server);
  for (const role of ROLES) {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/users',
      payload: { name: `${role}-ana`, role, password: PASSWORD },
      headers: ADMIN_HEADERS,
    });
    expect(res.statusCode).toBe(201);
  }
  const apiUrl = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const web = await startWeb({ apiUrl, port: await freePort(), host: '127.0.0.1' });
  const browser = await launchChromium();
  return {
    server,
    web,
    browser,
    apiUrl,
    async signIn(role, path = '/', viewport = 'desktop') {
      const context = await browser.newContext({ locale: 'en-US', viewport: VIEWPORTS[viewport] });
      // Seven engineers share two cores: a page of real queries may take its time, which is not what these tests judge.
      context.setDefaultTimeout(PAGE_TIMEOUT_MS);
      const page = await context.newPage();
      await page.goto(`${web.url}${path}`);
      await page.waitForURL(/\/login/);
      await page.fill('input[name=username]', `${role}-ana`);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForURL((url) => !url.pathname.startsWith('/login'));
      return page;
    },
    async close() {
      await browser?.close();
      await web?.stop();
      await server?.close();
    },
  };
}

export const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
export const moneyOf = (text: string | null) => Number((text ?? '').replace(/[^0-9.]/g, ''));
