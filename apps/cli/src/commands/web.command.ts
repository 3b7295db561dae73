import type { Command } from 'commander';
import { startDashboard } from '../dashboard.ts';

/** `tollgate web`: the dashboard alone, reading an API that runs elsewhere (the compose `web` service). */
export function registerWebCommand(program: Command): void {
  program
    .command('web')
    .description('Run the dashboard only (WEB_PORT, default 3000), reading the API at TOLLGATE_API_URL')
    .action(async () => {
      const apiUrl = process.env.TOLLGATE_API_URL;
      if (!apiUrl) throw new Error('set TOLLGATE_API_URL to the API the dashboard reads, e.g. http://127.0.0.1:8080');
      const dashboard = startDashboard(apiUrl, process.env);
      if (!(await dashboard.ready)) process.exit(1);
      const stop = () => dashboard.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
