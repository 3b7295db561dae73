import { reduceRows, type Row } from '../lib/chart-data.ts';
import { drawnSeries, type Panel } from '../lib/panels.ts';
import { formatUnit } from '../lib/units.ts';
import { Chart } from './chart.tsx';
import { EmptyState } from './states.tsx';

/** A panel's rows drawn as its definition says: one number, a table or a chart. Rendered on the server or in the browser alike. */
export function PanelBody({ panel, rows, locale }: { panel: Panel; rows: Row[]; locale: string }) {
  if (panel.chart === 'stat') {
    const series = panel.series[0]!;
    const value = reduceRows(rows, panel.reduce!, series.field, panel.denominator);
    return (
      <p className="stat-value" data-value={value ?? ''}>
        {formatUnit(series.unit, value, locale)}
      </p>
    );
  }
  if (rows.length === 0) return <EmptyState>{panel.empty ?? 'No data in this range yet.'}</EmptyState>;
  if (panel.chart !== 'table') return <Chart kind={panel.chart} rows={rows} x={panel.x} series={drawnSeries(panel, rows)} locale={locale} />;
  return (
    <table>
      <thead>
        <tr>
          <th>{panel.x === 'key' || panel.x === 'label' ? '' : panel.x}</th>
          {panel.series.map((s) => (
            <th key={s.field} className={s.unit === 'text' ? '' : 'num'}>
              {s.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i}>
            <td>{String(row[panel.x] ?? '—') || '(none)'}</td>
            {panel.series.map((s) => (
              <td key={s.field} className={s.unit === 'text' ? '' : 'num'}>
                {formatUnit(s.unit, row[s.field] as number | string | null, locale)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
