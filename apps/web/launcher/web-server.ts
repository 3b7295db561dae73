import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds and runs the Next.js dashboard as a child process: `tollgate start` and the browser tests
 * both go through here, so "production build made when missing (or stale)" is one rule.
 */
export const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
const NEXT_BIN = createRequire(join(WEB_DIR, 'package.json')).resolve('next/dist/bin/next');
const BUILD_ID = join(WEB_DIR, '.next', 'BUILD_ID');
// What a build is made of: a change to any of these makes the build stale (the panel schema package
// too: next.config.ts transpiles it into the build).
const SOURCES = ['app', 'components', 'lib', 'proxy.ts', 'next.config.ts', 'package.json', 'tsconfig.json', '../../packages/panels/src'];
const START_DEADLINE_MS = 60_000;
// One build at a time per checkout (`npm start` while the browser tests run, or two test files):
// the lock is a directory, created atomically; one older than a build can take is left over from a
// killed process and is taken over.
const BUILD_LOCK = join(WEB_DIR, '.next-build.lock');
const BUILD_LOCK_STALE_MS = 10 * 60_000;
const POLL_MS = 100;
const CHILD_ENV = { NEXT_TELEMETRY_DISABLED: '1' };

function newestMtimeMs(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtimeMs(join(path, entry))), stat.mtimeMs);
}

/** Whether `next build` must run: no build yet, or a source changed since the last one. */
export function needsBuild(): boolean {
  if (!existsSync(BUILD_ID)) return true;
  const builtAt = statSync(BUILD_ID).mtimeMs;
  return SOURCES.some((source) => existsSync(join(WEB_DIR, source)) && newestMtimeMs(join(WEB_DIR, source)) > builtAt);
}

/** Runs `next build`; rejects with its output when it fails. */
export function buildWeb(options: { onOutput?: (text: string) => void } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NEXT_BIN, 'build'], {
      cwd: WEB_DIR,
      env: { ...process.env, ...CHILD_ENV, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      options.onOutput?.(chunk.toString());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build failed (${code}):\n${output}`))));
  });
}

/** Builds when the build is missing or stale, waiting for a build another process is making. */
export async function ensureBuild(onBuild?: () => void): Promise<void> {
  for (;;) {
    if (!needsBuild()) return;
    try {
      mkdirSync(BUILD_LOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const lock = statSync(BUILD_LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > BUILD_LOCK_STALE_MS) rmSync(BUILD_LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS * 10));
      continue;
    }
    try {
      if (!needsBuild()) return;
      onBuild?.();
      await buildWeb();
      return;
    } finally {
      rmSync(BUILD_LOCK, { recursive: true, force: true });
    }
  }
}

export interface WebServer {
  url: string;
  process: ChildProcess;
  output(): string;
  /** SIGTERM, then resolves once the process has ended. */
  stop(): Promise<void>;
}

/**
 * Starts `next start` on `host:port` pointed at the API, building first when needed, and resolves
 * once the sign-in page answers (a condition polled with a deadline, not a sleep).
 */
export async function startWeb(options: {
  apiUrl: string;
  port: number;
  host: string;
  env?: NodeJS.ProcessEnv;
  onBuild?: () => void;
}): Promise<WebServer> {
  await ensureBuild(options.onBuild);
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(options.port), '-H', options.host], {
    cwd: WEB_DIR,
    env: { ...process.env, ...options.env, ...CHILD_ENV, NODE_ENV: 'production', TOLLGATE_API_URL: options.apiUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let ended = false;
  void exited.then(() => (ended = true));
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const until = Date.now() + START_DEADLINE_MS;
  for (;;) {
    if (ended) throw new Error(`the dashboard exited before answering:\n${output}`);
    const answered = await fetch(`${url}/login`).then(
      (res) => res.ok,
      () => false,
    );
    if (answered) break;
    if (Date.now() > until) {
      child.kill('SIGTERM');
      throw new Error(`the dashboard did not answer within ${START_DEADLINE_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return {
    url,
    process: child,
    output: () => output,
    async stop() {
      if (!ended) child.kill('SIGTERM');
      await exited;
    },
  };
}
