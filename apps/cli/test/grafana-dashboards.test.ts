import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@tollgate/store';
import { expandGrafanaMacros } from '@tollgate/panels/testing/grafana-macros';
import { openTempStore } from '@tollgate/store/testing';
import { grafanaFiles } from '../src/commands/dashboards.command.ts';

const DASHBOARDS = fileURLToPath(new URL('../../../dashboards/', import.meta.url));
const GRAFANA = join(DASHBOARDS, 'grafana');
const generated = grafanaFiles(DASHBOARDS);

interface GrafanaPanel {
  title: string;
  type: string;
  targets?: { rawSql: string; format: number; datasource: { uid: string } }[];
  fieldConfig?: { overrides: { matcher: { options: string } }[] };
  options?: { content?: string };
}
const panelsOf = (name: string) => (JSON.parse(generated.get(name) as string) as { panels: GrafanaPanel[] }).panels;

let store: Store;
let dispose: () => Promise<void>;
beforeAll(async () => {
  ({ store, dispose } = await openTempStore('grafana-dashboards'));
});
afterAll(() => dispose());

describe('Grafana dashboards from the panel files', () => {
  it('one per panel file, and the committed files are what the panel files give (run `tollgate dashboards grafana`)', () => {
    const pages = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
    expect([...generated.keys()].sort()).toEqual(pages.map((f) => `tollgate-${f}`).sort());
    for (const [name, text] of generated) expect(readFileSync(join(GRAFANA, name), 'utf8'), name).toBe(text);
  });

  it('covers spend, conversion, anomalies and breakers with ClickHouse queries', () => {
    const overview = Object.fromEntries(panelsOf('tollgate-overview.json').map((p) => [p.title, p]));
    expect(overview['Spend, last 24 h']?.targets?.[0]?.rawSql).toMatch(/sum\(cost_est_usd\)/);
    expect(overview['Verify conversion, last 24 h']?.targets?.[0]?.rawSql).toMatch(
      /sum\(sessions_verified\)\) \/ greatest\(toUInt64\(sum\(sessions_started\)\)/,
    );
    expect(overview['Anomalies opened, last 24 h']?.targets?.[0]?.rawSql).toMatch(/FROM \(SELECT \* FROM anomalies FINAL\)/);
    expect(overview['Active breakers']?.targets?.[0]?.rawSql).toMatch(/state IN \('open', 'half_open'\)/);
    expect(overview['Sends and verified sessions, last 6 h']?.targets?.[0]?.format).toBe(0);
    // The forecast is the server's (budgets live in alert-rules/): said, not faked.
    expect(overview['Month-end forecast']).toMatchObject({ type: 'text' });
    expect(overview['Month-end forecast']?.options?.content).toMatch(/computed by the Tollgate server.*overview page/);
  });

  it('labels each field as the web dashboard does and reads the data source the importer picks', () => {
    for (const name of generated.keys()) {
      for (const panel of panelsOf(name).filter((p) => p.targets)) {
        expect(panel.targets?.[0]?.datasource.uid).toBe('${DS_CLICKHOUSE}');
        expect(panel.fieldConfig?.overrides.length).toBeGreaterThan(0);
      }
    }
  });

  it('every generated query runs on the schema', async () => {
    const range = { fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-11-02T00:00:00Z'), intervalS: 3600 };
    let queries = 0;
    for (const name of generated.keys()) {
      for (const panel of panelsOf(name)) {
        for (const target of panel.targets ?? []) {
          const rs = await store.client.query({ query: expandGrafanaMacros(target.rawSql, range), format: 'JSON' });
          const { meta = [] } = await rs.json<Record<string, unknown>>();
          const columns = meta.map((m) => m.name);
          for (const override of panel.fieldConfig?.overrides ?? [])
            expect(columns, `${name}: ${panel.title}`).toContain(override.matcher.options);
          queries += 1;
        }
      }
    }
    expect(queries).toBeGreaterThan(20);
  });
});
