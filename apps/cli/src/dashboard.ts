import { startWeb, type WebServer } from '@tollgate/web/launcher';

export const DEFAULT_WEB_PORT = 3000;

/**
 * Starts the dashboard next to the API without holding it up: the API serves at once while the
 * first start makes the production build (about a minute), and a dashboard that fails to start is
 * reported without taking the API down.
 */
export function startDashboard(apiUrl: string, env: NodeJS.ProcessEnv): { ready: Promise<WebServer | undefined>; stop(): Promise<void> } {
  const port = Number(env.WEB_PORT ?? DEFAULT_WEB_PORT);
  const ready = startWeb({
    apiUrl,
    port,
    host: env.HOST ?? '127.0.0.1',
    env,
    onBuild: () => process.stdout.write('  Dashboard     building the production build (first start only, about a minute)...\n'),
  }).then(
    (web) => {
      process.stdout.write(`  Dashboard     ${web.url}   (sign in as "admin" with the admin key; add people with \`tollgate users add\`)\n`);
      return web;
    },
    (error: Error) => {
      process.stderr.write(`Dashboard did not start: ${error.message}\n`);
      return undefined;
    },
  );
  return {
    ready,
    async stop() {
      await (await ready)?.stop();
    },
  };
}
