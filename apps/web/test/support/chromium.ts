/**
 * Finds a headless Chromium for the dashboard's browser test and bench:web without asking the
 * newcomer to install one: `CHROMIUM_PATH` first, then the system's chromium (Debian's package),
 * then the binary that the `@sparticuz/chromium` npm package ships inside itself (unpacked to the
 * temp directory on first use). playwright-core never downloads a browser of its own.
 */
import { existsSync } from 'node:fs';
import { chromium as playwright, type Browser } from 'playwright-core';

/** Flags for a closed network: without the background ones Chromium keeps dialling out and is refused. */
const HEADLESS_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-zygote',
];
const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export interface ChromiumBinary {
  path: string;
  /** Where it came from, for the test's log line. */
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumBinary> {
  if (env.CHROMIUM_PATH) {
    if (!existsSync(env.CHROMIUM_PATH))
      throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist: unset it to use the browser that npm installed`);
    return { path: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' };
  }
  const system = SYSTEM_CHROMIUM.find((path) => existsSync(path));
  if (system) return { path: system, source: 'system' };
  const packaged = (await import('@sparticuz/chromium')).default;
  return { path: await packaged.executablePath(), source: '@sparticuz/chromium' };
}

export async function launchChromium(): Promise<Browser> {
  const { path } = await findChromium();
  return playwright.launch({ executablePath: path, args: HEADLESS_ARGS });
}
