import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { grafanaDashboard, parseDashboard } from '@tollgate/panels';
import { grafanaSql } from '@tollgate/panels/grafana-sql';

const DEFAULT_DIR = 'dashboards';

/** Every panel file of `dir` as its Grafana dashboard: output file name → JSON text. */
export function grafanaFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const dashboard = parseDashboard(JSON.parse(readFileSync(join(dir, file), 'utf8')), file);
    files.set(`tollgate-${dashboard.page}.json`, `${JSON.stringify(grafanaDashboard(dashboard, grafanaSql), null, 2)}\n`);
  }
  return files;
}

/** `tollgate dashboards grafana`: importable Grafana dashboards from the web dashboard's panel files. */
export function registerDashboardsCommand(program: Command): void {
  const dashboards = program.command('dashboards').description('Panel definitions in dashboards/ and what is made from them');
  dashboards
    .command('grafana')
    .description('Write importable Grafana dashboards (ClickHouse data source) made from the panel files, one per page')
    .option('--dir <dir>', 'panel files', DEFAULT_DIR)
    .option('--out <dir>', 'where the Grafana dashboards go', join(DEFAULT_DIR, 'grafana'))
    .option('--check', 'write nothing; exit 1 when the files in --out differ from what the panel files give')
    .addHelpText(
      'after',
      '\nExamples:\n  tollgate dashboards grafana\n  tollgate dashboards grafana --check\n' +
        '\nImport a file in Grafana (Dashboards > New > Import) and pick the ClickHouse data source that reads\n' +
        "Tollgate's database (grafana-clickhouse-datasource). Panels whose data is not in ClickHouse (budgets\n" +
        'and forecasts come from alert-rules/) are text panels that say so.',
    )
    .action((options: { dir: string; out: string; check?: boolean }) => {
      const files = grafanaFiles(options.dir);
      if (options.check) {
        const stale = [...files].filter(([name, text]) => {
          try {
            return readFileSync(join(options.out, name), 'utf8') !== text;
          } catch {
            return true;
          }
        });
        for (const [name] of stale) console.log(`${join(options.out, name)} is out of date: run \`tollgate dashboards grafana\``);
        if (stale.length > 0) process.exit(1);
        console.log(`${files.size} Grafana dashboard(s) in ${options.out} match ${options.dir}`);
        return;
      }
      mkdirSync(options.out, { recursive: true });
      for (const [name, text] of files) writeFileSync(join(options.out, name), text);
      console.log(`wrote ${[...files.keys()].map((name) => join(options.out, name)).join(', ')}`);
    });
}
