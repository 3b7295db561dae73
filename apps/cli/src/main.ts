import { Command } from 'commander';
import { registerBacktestCommand } from './commands/backtest.command.ts';
import { registerDashboardsCommand } from './commands/dashboards.command.ts';
import { registerImportBillingCommand } from './commands/import-billing.command.ts';
import { registerKeysCommand } from './commands/keys.command.ts';
import { registerMigrateCommand } from './commands/migrate.command.ts';
import { registerRatesCommand } from './commands/rates.command.ts';
import { registerRulesCommand } from './commands/rules.command.ts';
import { registerSimulateCommand } from './commands/simulate.command.ts';
import { registerStartCommands } from './commands/start.command.ts';
import { registerUsersCommand } from './commands/users.command.ts';
import { registerWebCommand } from './commands/web.command.ts';
import { VERSION } from './version.ts';

const program = new Command()
  .name('tollgate')
  .description('Tollgate: find SMS pumping and OTP abuse, stop the spend, page the owner.')
  .version(VERSION)
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nEnvironment: PORT, HOST, TOLLGATE_DATA_DIR, TOLLGATE_ADMIN_KEY, TOLLGATE_DEMO=0, TOLLGATE_HMAC_KEY,\n' +
      'CLICKHOUSE_URL / CLICKHOUSE_USER / CLICKHOUSE_PASSWORD / CLICKHOUSE_DATABASE (see README.md).',
  );
registerStartCommands(program);
registerMigrateCommand(program);
registerImportBillingCommand(program);
registerRatesCommand(program);
registerSimulateCommand(program);
registerKeysCommand(program);
registerUsersCommand(program);
registerWebCommand(program);
registerRulesCommand(program);
registerBacktestCommand(program);
registerDashboardsCommand(program);

program.parseAsync(process.argv).catch((error: Error) => {
  console.error(`tollgate: ${error.message}`);
  process.exit(1);
});
