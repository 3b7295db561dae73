import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

const READY_DEADLINE_MS = 10_000;

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/** A free TCP port on loopback, by letting the kernel pick one and releasing it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A real redis-server (Debian's package; `.ci/run` installs it) as a child process on loopback,
 * without persistence, resolved once it accepts connections. Pass `port` to restart on the same one.
 */
export async function startRedis(port?: number): Promise<RedisServer> {
  const chosen = port ?? (await freePort());
  let child: ChildProcess;
  try {
    child = spawn('redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`redis-server could not start (${(error as Error).message}): apt-get install redis-server`);
  }
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${READY_DEADLINE_MS} ms:\n${output}`)), READY_DEADLINE_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not start (${error.message}): apt-get install redis-server`));
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
