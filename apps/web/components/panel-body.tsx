import { reduceRows, type Row } from '../lib/chart-data.ts';
import { drawnSeries, type Panel } from '../lib/panels.ts';
import { rowAlert } from '../lib/panel-links.ts';
import { formatUnit } from '../lib/units.ts';
import { providerCodeText } from '../lib/words.ts';
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
  if (panel.chart !== 'table')
    return <Chart kind={panel.chart} rows={rows} x={panel.x} series={drawnSeries(panel, rows)} locale={locale} />;
  const alert = rowAlert(panel.id);
  const alerting = (row: Row) =>
    alert !== undefined && typeof row[alert.field] === 'number' && (row[alert.field] as number) >= alert.atLeast;
  return (
    <div className="table-wrap">
      {alert && rows.some(alerting) && (
        <p className="field-error" role="alert" data-testid="row-alert">
          {rows.filter(alerting).length} {alert.label}.
        </p>
      )}
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
            <tr key={i} {...(alerting(row) && { className: 'over-budget', 'data-alert': 'true' })}>
              <td>
                <KeyCell x={panel.x} row={row} />
              </td>
              {panel.series.map((s) => (
                <td key={s.field} className={s.unit === 'text' ? '' : 'num'}>
                  {formatUnit(s.unit, row[s.field] as number | string | null, locale)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A table's first column. A provider's error code reads as its meaning, the code in a tooltip
 * (on-call knows "landline or unreachable carrier", not 30006).
 */
function KeyCell({ x, row }: { x: string; row: Row }) {
  const value = String(row[x] ?? '—') || '(none)';
  if (x !== 'error_code') return <>{value}</>;
  const meaning = providerCodeText(typeof row.provider === 'string' ? row.provider : undefined, value);
  return meaning ? (
    <abbr title={`${typeof row.provider === 'string' ? row.provider : 'provider'} error code ${value}`} data-code={value}>
      {meaning}
    </abbr>
  ) : (
    <>code {value}</>
  );
}
