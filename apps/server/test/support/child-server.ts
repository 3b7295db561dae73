import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../cli/bin/tollgate.js', import.meta.url));
const START_DEADLINE_MS = 60_000;

export interface ChildServer {
  url: string;
  process: ChildProcess;
  /** Everything the child wrote, for failure messages. */
  output(): string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * Runs `tollgate serve` (or `start`) as a real child process on a free port and resolves once it
 * printed its URL, i.e. once it listens. Fails with the child's output when it exits first or
 * does not come up before the deadline.
 */
export function spawnServer(env: Record<string, string>, command: 'serve' | 'start' = 'serve'): Promise<ChildServer> {
  const child = spawn(process.execPath, [BIN, command], {
    // TOLLGATE_WEB=0: `start` here is the API's; the dashboard has its own browser tests (apps/web/test).
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', TOLLGATE_WEB: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${START_DEADLINE_MS} ms:\n${output}`)), START_DEADLINE_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /API\s+(http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, process: child, output: () => output, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${output}`));
    });
  });
}
