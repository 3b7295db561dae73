import { readEnvValues } from '@tollgate/server/start';
import { startWeb, type WebServer } from '@tollgate/web/launcher';

/**
 * Starts the dashboard next to the API without holding it up: the API serves at once while the
 * first start makes the production build (about a minute), and a dashboard that fails to start is
 * reported without taking the API down.
 */
export function startDashboard(apiUrl: string, env: NodeJS.ProcessEnv): { ready: Promise<WebServer | undefined>; stop(): Promise<void> } {
  // Checked before the API started under `tollgate start`; here first for `tollgate web`.
  const { webPort, host } = readEnvValues(env);
  const ready = startWeb({
    apiUrl,
    port: webPort,
    host,
    env,
    onBuild: () => process.stdout.write('  Dashboard     building the production build (first start only, about a minute)...\n'),
  }).then(
    (web) => {
      process.stdout.write(
        `  Dashboard     ${web.url}   (sign in as "admin" with the admin key; add people with \`tollgate users add\`)\n`,
      );
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
