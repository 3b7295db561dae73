/**
 * Finds the redis-server the shared-velocity tests and bench:shared-velocity start, so a fresh
 * machine with only Node and npm runs them: `redis-server` on PATH first; missing, and running as
 * root on Debian, Debian's package is installed with apt-get (one log line says so); otherwise the
 * test stops at once with one line naming how to get it. A Redis of your own can stand in through
 * `TOLLGATE_TEST_REDIS_URL` (see redis-server.ts), and then no binary is needed.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** apt-get update and install of a few small packages: minutes at worst on a slow mirror. */
export const PROVISION_DEADLINE_MS = 10 * 60_000;
const LOCK_POLL_MS = 500;
/** Two test files in parallel forks may both find redis-server missing: one installs, the other waits. */
const LOCK_DIR = join(tmpdir(), 'tollgate-redis-provision.lock');
export const HOW_TO_GET_REDIS =
  'redis-server is not on PATH: install it (Debian/Ubuntu: apt-get install redis-server, macOS: brew install redis) or set TOLLGATE_TEST_REDIS_URL=redis://host:port';

export type RedisBinary = { found: true; path: string; provisioned: boolean } | { found: false; reason: string };

/** The first executable `name` on PATH, as a shell's `command -v` would find it. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Root on Debian with apt-get: the one case where a test may install a system package. */
function rootOnDebian(): boolean {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && onPath('apt-get') !== undefined;
}

function lockHolderAlive(): boolean {
  try {
    const pid = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function installWithApt(): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  process.stderr.write(
    "redis-server is not on PATH: installing Debian's redis-server package (apt-get update && apt-get install -y redis-server) for the shared-velocity tests\n",
  );
  await run('apt-get', ['update', '-qq'], { env, timeout: PROVISION_DEADLINE_MS });
  await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { env, timeout: PROVISION_DEADLINE_MS });
}

/** Takes the provisioning lock, or waits for its holder to finish; true when this process holds it. */
async function takeLockOrWait(deadline: number, path: string): Promise<boolean> {
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
      return true;
    } catch {
      if (!lockHolderAlive()) {
        // A holder that died (or has not written its pid yet: checked again after one poll).
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
        if (!lockHolderAlive()) rmSync(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(
          `another test process has been installing redis-server for ${PROVISION_DEADLINE_MS / 60_000} minutes: ${HOW_TO_GET_REDIS}`,
        );
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      if (onPath('redis-server', path)) return false;
    }
  }
}

/**
 * redis-server from PATH, installed with apt-get when that is possible, or why not. `host` says
 * what this machine is (PATH, whether it may install packages); the defaults read the real one.
 */
export async function findRedisServer(host: { path?: string; mayInstall?: boolean } = {}): Promise<RedisBinary> {
  const path = host.path ?? process.env.PATH ?? '';
  const present = onPath('redis-server', path);
  if (present) return { found: true, path: present, provisioned: false };
  if (!(host.mayInstall ?? rootOnDebian())) return { found: false, reason: HOW_TO_GET_REDIS };
  const holds = await takeLockOrWait(Date.now() + PROVISION_DEADLINE_MS, path);
  try {
    if (holds && !onPath('redis-server', path)) await installWithApt();
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').pop() ?? (error as Error).message;
    return { found: false, reason: `apt-get install redis-server failed (${detail}); ${HOW_TO_GET_REDIS}` };
  } finally {
    if (holds) rmSync(LOCK_DIR, { recursive: true, force: true });
  }
  const installed = onPath('redis-server', path);
  return installed ? { found: true, path: installed, provisioned: holds } : { found: false, reason: HOW_TO_GET_REDIS };
}
