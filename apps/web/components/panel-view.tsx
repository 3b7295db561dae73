import { api } from '../lib/api.ts';
import { reduceRows, shapeRows } from '../lib/chart-data.ts';
import type { Panel } from '../lib/panels.ts';
import { panelRequest } from '../lib/panels.ts';
import { formatUnit } from '../lib/units.ts';
import { Chart } from './chart.tsx';
import { EmptyState, ErrorState } from './states.tsx';

/** One panel of a dashboards/ file: its query through the API with the viewer's session, drawn as declared. */
export async function PanelView({ panel, locale, nowMs, filters = {} }: { panel: Panel; locale: string; nowMs: number; filters?: Record<string, string | undefined> }) {
  const result = await api<unknown>(panelRequest(panel, nowMs, filters));
  const body = (() => {
    if (!result.ok) return <ErrorState result={result} what={panel.title.toLowerCase()} />;
    const fields = [...new Set([...panel.series.map((s) => s.field), ...(panel.denominator ? [panel.denominator] : [])])];
    const rows = shapeRows(result.data, { rowsPath: panel.rows, x: panel.x, fields, totalsOf: panel.totalsOf }).slice(0, panel.limit);
    if (panel.chart === 'stat') {
      const series = panel.series[0]!;
      const value = reduceRows(rows, panel.reduce!, series.field, panel.denominator);
      return <p className="stat-value" data-value={value ?? ''}>{formatUnit(series.unit, value, locale)}</p>;
    }
    if (rows.length === 0) return <EmptyState>{panel.empty ?? 'No data in this range yet.'}</EmptyState>;
    if (panel.chart === 'table') {
      return (
        <table>
          <thead>
            <tr>
              <th>{panel.x === 'key' || panel.x === 'label' ? '' : panel.x}</th>
              {panel.series.map((s) => (
                <th key={s.field} className="num">{s.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>
                <td>{String(row[panel.x] ?? '—') || '(none)'}</td>
                {panel.series.map((s) => (
                  <td key={s.field} className="num">{formatUnit(s.unit, row[s.field] as number | null, locale)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
    }
    return <Chart kind={panel.chart} rows={rows} x={panel.x} series={panel.series} locale={locale} />;
  })();
  return (
    <section className={`panel panel-${panel.chart}`} data-panel={panel.id}>
      <h3>{panel.title}</h3>
      {panel.description && <p className="muted small">{panel.description}</p>}
      {body}
    </section>
  );
}
