import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngineThreadPriority, ENGINE_THREAD_NICENESS } from '../src/engine-thread-priority.ts';
import { spawnServer } from './support/child-server.ts';
import { sendEvent } from '@tollgate/events/testing';
import { TEST_ADMIN_KEY, TEST_HMAC_KEY } from './support/test-server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-engine-priority-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Thread {
  tid: number;
  name: string;
  nice: number;
}

/** A process's threads as Linux lists them, with each one's niceness (field 19 of its stat line). */
function threads(pid: number): Thread[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((entry) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const nice = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      return [{ tid: Number(entry), name, nice }];
    } catch {
      return [];
    }
  });
}

const isNodeThread = (thread: Thread) => /^(node|libuv|V8)/.test(thread.name);

describe('engine threads below the event loop', () => {
  it("runs a server's embedded engine threads at a lower priority than its event loop and node's own threads", async () => {
    const server = await spawnServer({ TOLLGATE_DATA_DIR: dataDir, TOLLGATE_ADMIN_KEY: TEST_ADMIN_KEY, TOLLGATE_HMAC_KEY: TEST_HMAC_KEY });
    try {
      // An insert, so the engine's insert and merge pools are running.
      const res = await fetch(`${server.url}/v1/events/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify([sendEvent(0)]),
      });
      expect(res.status).toBe(200);
      const pid = server.process.pid!;
      const all = threads(pid);
      const engine = all.filter((thread) => !isNodeThread(thread));
      expect(engine.length).toBeGreaterThan(0);
      // Threads the engine started after the server's scan wait for the next one; those it found are lowered.
      expect(engine.filter((thread) => thread.nice === ENGINE_THREAD_NICENESS).length).toBeGreaterThan(0);
      expect(all.find((thread) => thread.tid === pid)!.nice).toBe(0);
      expect(all.filter(isNodeThread).every((thread) => thread.nice === 0)).toBe(true);
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });

  it('lowers threads the engine started since the last pass, and only those', async () => {
    const server = await spawnServer({
      TOLLGATE_DATA_DIR: mkdtempSync(join(dataDir, 'second-')),
      TOLLGATE_ADMIN_KEY: TEST_ADMIN_KEY,
      TOLLGATE_HMAC_KEY: TEST_HMAC_KEY,
    });
    try {
      const pid = server.process.pid!;
      // The same pass the server makes, run on its threads from here: everything left is lowered now.
      const priority = createEngineThreadPriority({ taskDir: `/proc/${pid}/task`, onError: (error) => expect.fail(String(error)) });
      await priority.lowerNow();
      const engine = threads(pid).filter((thread) => !isNodeThread(thread));
      expect(engine.length).toBeGreaterThan(0);
      expect(engine.every((thread) => thread.nice === ENGINE_THREAD_NICENESS)).toBe(true);
      expect(
        threads(pid)
          .filter(isNodeThread)
          .every((thread) => thread.nice === 0),
      ).toBe(true);
    } finally {
      server.process.kill('SIGTERM');
      await server.exited;
    }
  });

  it('leaves the scheduler alone where the process has no /proc', async () => {
    const errors: unknown[] = [];
    const priority = createEngineThreadPriority({ taskDir: join(dataDir, 'no-proc'), onError: (error) => errors.push(error) });
    expect(await priority.lowerNow()).toBe(0);
    expect(errors).toEqual([]);
  });
});
