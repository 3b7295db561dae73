import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';
import { findRedisServer } from './redis-binary.ts';

const READY_DEADLINE_MS = 10_000;

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (or the forwarder in front of TOLLGATE_TEST_REDIS_URL) and waits until it is gone. */
  stop(): Promise<void>;
}

export interface RedisProcess extends RedisServer {
  pid: number;
}

/** A free TCP port on loopback, by letting the kernel pick one and releasing it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let binary: ReturnType<typeof findRedisServer> | undefined;

/**
 * A real redis-server as a child process on loopback, without persistence, resolved once it accepts
 * connections. The binary comes from PATH, or is installed (redis-binary.ts). Pass `port` to restart
 * on the same one.
 */
export async function startRedisServer(port?: number): Promise<RedisProcess> {
  binary ??= findRedisServer();
  const found = await binary;
  if (!found.found) throw new Error(found.reason);
  const chosen = port ?? (await freePort());
  const child: ChildProcess = spawn(found.path, ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start within ${READY_DEADLINE_MS} ms:\n${output}`)),
      READY_DEADLINE_MS,
    );
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${found.path} could not start: ${error.message}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A loopback port forwarding to the Redis at `target`, so a test can take "its" Redis down and bring
 * it back (closing the port and every connection through it) without owning the server.
 */
async function forwardTo(target: URL, port?: number): Promise<RedisServer> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 6379) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const chosen = port ?? (await freePort());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(chosen, '127.0.0.1', resolve);
  });
  const credentials = target.username || target.password ? `${target.username}:${target.password}@` : '';
  return {
    url: `redis://${credentials}127.0.0.1:${chosen}${target.pathname}`,
    port: chosen,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/**
 * The Redis a test talks to: a forwarder to `TOLLGATE_TEST_REDIS_URL` when it is set, else a
 * redis-server of the test's own. Keys are the test's to choose: prefix them per run, since a Redis
 * given by URL keeps what earlier runs wrote.
 */
export async function startRedis(port?: number): Promise<RedisServer> {
  const given = process.env.TOLLGATE_TEST_REDIS_URL;
  return given ? forwardTo(new URL(given), port) : startRedisServer(port);
}
