import type { Command } from 'commander';
import { NODE_ROLES, startPlatform, type Platform } from '@tollgate/server/start';
import { startDashboard } from '../dashboard.ts';
import { VERSION } from '../version.ts';

/** `tollgate start` (the whole platform with demo traffic) and `tollgate serve` (API server only). */
export function registerStartCommands(program: Command): void {
  program
    .command('start')
    .description(
      'Run the whole platform on the configured store, with demo traffic unless TOLLGATE_DEMO=0 and the dashboard unless TOLLGATE_WEB=0',
    )
    .action(() => run({ demo: process.env.TOLLGATE_DEMO !== '0', web: process.env.TOLLGATE_WEB !== '0' }));
  program
    .command('serve')
    .description(
      'Run the API server only, without demo traffic or the dashboard; TOLLGATE_ROLES=ingest,decide,detect,notify,web picks what this node does (default all)',
    )
    .action(() => run({ demo: false, web: false }));
}

async function run(options: { demo: boolean; web: boolean }): Promise<void> {
  const platform = await startPlatform({ env: process.env, demo: options.demo, version: VERSION });
  printBanner(platform, options.demo);
  const dashboard = options.web && platform.roles.has('web') ? startDashboard(platform.url, process.env) : undefined;
  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) process.exit(1);
    process.stderr.write(`\n${signal}: draining (stop intake, flush acknowledged events, close store)...\n`);
    Promise.resolve(dashboard?.stop())
      .then(() => platform.close())
      .then(
        () => process.exit(0),
        (error) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

function printBanner(platform: Platform, demo: boolean): void {
  const key =
    platform.adminKey.source === 'env'
      ? '(from TOLLGATE_ADMIN_KEY)'
      : `${platform.adminKey.key}   (kept in ${platform.dataDir}/admin.key; set TOLLGATE_ADMIN_KEY to choose your own)`;
  const lines = [
    '',
    'Tollgate is running',
    `  API           ${platform.url}`,
    `  API docs      ${platform.url}/docs`,
    `  Health        ${platform.url}/readyz`,
    `  Admin key     ${key}`,
    `  Data          ${platform.dataDir}`,
    `  Demo traffic  ${demo && platform.roles.has('ingest') ? 'on (TOLLGATE_DEMO=0 turns it off)' : 'off'}`,
    `  Roles         ${[...platform.roles].join(', ')}${platform.roles.size === NODE_ROLES.length ? '' : ' (TOLLGATE_ROLES)'}`,
    '',
    `Try: curl -H "Authorization: Bearer <admin key>" "${platform.url}/v1/metrics/traffic?interval=1m&group_by=country"`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
