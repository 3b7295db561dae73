import Link from 'next/link';
import { api } from '../../../lib/api.ts';
import type { Incident, TrafficAnswer } from '../../../lib/api-types.ts';
import { monthBounds, monthForecast, reduceRows, shapeRows } from '../../../lib/chart-data.ts';
import { loadDashboard } from '../../../lib/dashboards.ts';
import { formatMoney, formatPercent } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { AutoRefresh } from '../../../components/auto-refresh.tsx';
import { PanelView } from '../../../components/panel-view.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';

export const dynamic = 'force-dynamic';

interface SpendAnswer {
  monthBudgetUsd?: number;
  byCountry?: { country: string; spendUsd: number; budgetUsd?: number }[];
}

/** For finance: where the money goes, billed against estimated, the month-end forecast and what each incident cost. */
export default async function SpendPage() {
  const [locale, dashboard] = await Promise.all([viewerLocale(), loadDashboard('spend')]);
  const nowMs = Date.now();
  const { startMs } = monthBounds(nowMs);
  const [month, spend, incidents] = await Promise.all([
    api<TrafficAnswer>(`/v1/metrics/traffic?interval=1d&from=${startMs}&to=${nowMs}`),
    api<SpendAnswer>(`/v1/spend?from=${startMs}&to=${nowMs}`),
    api<{ incidents: Incident[] }>('/v1/incidents?limit=100'),
  ]);
  const monthRows = month.ok ? shapeRows(month.data, { rowsPath: 'series.0.points', x: 'ts', fields: ['cost_est_usd', 'cost_billed_usd'] }) : [];
  const monthToDate = reduceRows(monthRows, 'sum', 'cost_est_usd') ?? 0;
  const forecast = monthForecast(monthToDate, nowMs);
  const budget = spend.ok ? spend.data.monthBudgetUsd : undefined;
  const costly = incidents.ok ? [...incidents.data.incidents].sort((a, b) => b.spendUsd - a.spendUsd).slice(0, 20) : [];
  return (
    <>
      <h1>Spend</h1>
      <AutoRefresh renderedAt={nowMs} />
      <p className="muted small">Amounts in US dollars, as providers bill them; estimated from each send's price until the bill arrives.</p>
      <div className="grid">
        <section className="panel" data-panel="month-to-date">
          <h3>Month to date</h3>
          {month.ok ? <p className="stat-value" data-value={monthToDate}>{formatMoney(monthToDate, locale)}</p> : <ErrorState result={month} what="spend" />}
        </section>
        <section className="panel" data-panel="forecast">
          <h3>Month-end forecast</h3>
          <p className="stat-value" data-value={forecast ?? ''}>{formatMoney(forecast, locale)}</p>
          <p className="muted small">At the pace of the month so far.</p>
        </section>
        <section className="panel" data-panel="budget">
          <h3>Monthly budget</h3>
          {budget === undefined ? (
            <p className="muted small">No budget set (alert-rules/budgets.yaml){spend.ok ? '' : `; ${spend.message}`}.</p>
          ) : (
            <>
              <p className="stat-value">{formatMoney(budget, locale)}</p>
              <p className={forecast !== null && forecast > budget ? 'state error' : 'muted small'}>
                {formatPercent(monthToDate / budget, locale)} used{forecast !== null && forecast > budget ? `; forecast over budget by ${formatMoney(forecast - budget, locale)}` : ''}
              </p>
            </>
          )}
        </section>
      </div>
      {!dashboard.ok ? (
        <p className="state error">Panel file error: {dashboard.error}</p>
      ) : (
        <div className="grid wide" style={{ marginTop: '1rem' }}>
          {dashboard.dashboard.panels.map((panel) => (
            <PanelView key={panel.id} panel={panel} locale={locale} nowMs={nowMs} />
          ))}
        </div>
      )}
      <h2>Cost of each incident</h2>
      {!incidents.ok ? (
        <ErrorState result={incidents} what="incidents" />
      ) : costly.length === 0 ? (
        <EmptyState>No incidents yet.</EmptyState>
      ) : (
        <table data-testid="incident-costs">
          <thead>
            <tr>
              <th>incident</th>
              <th>state</th>
              <th className="num">spend while open</th>
              <th className="num">prevented by breakers</th>
            </tr>
          </thead>
          <tbody>
            {costly.map((incident) => (
              <tr key={incident.id}>
                <td>
                  <Link href={`/incidents/${incident.id}`}>{incident.title}</Link>
                </td>
                <td>{incident.state}</td>
                <td className="num">{formatMoney(incident.spendUsd, locale)}</td>
                <td className="num">{formatMoney(incident.preventedUsd, locale)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
