import Link from 'next/link';
import { api } from '../../../lib/api.ts';
import type { Incident } from '../../../lib/api-types.ts';
import { loadDashboard } from '../../../lib/dashboards.ts';
import { formatMoney } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { AutoRefresh } from '../../../components/auto-refresh.tsx';
import { PanelSlot } from '../../../components/panel-slot.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';

export const dynamic = 'force-dynamic';

/**
 * For finance: the month against budgets and the providers' minimum commitments with the month-end
 * forecast, where the money goes, billed against estimated and each contract reconciled per month
 * (all panels of dashboards/spend.json), and what each incident cost.
 */
export default async function SpendPage() {
  const [locale, dashboard] = await Promise.all([viewerLocale(), loadDashboard('spend')]);
  const nowMs = Date.now();
  const incidents = await api<{ incidents: Incident[] }>('/v1/incidents?limit=100');
  const costly = incidents.ok ? [...incidents.data.incidents].sort((a, b) => b.spendUsd - a.spendUsd).slice(0, 20) : [];
  const panels = dashboard.ok ? dashboard.dashboard.panels : [];
  return (
    <>
      <h1>Spend</h1>
      <AutoRefresh renderedAt={nowMs} />
      <p className="muted small">Amounts in US dollars, as providers bill them; estimated from each send's price until the bill arrives.</p>
      {!dashboard.ok ? (
        <p className="state error">Panel file error: {dashboard.error}</p>
      ) : (
        <>
          <div className="grid">
            {panels
              .filter((p) => p.chart === 'stat')
              .map((panel) => (
                <PanelSlot key={panel.id} page="spend" panel={panel} locale={locale} nowMs={nowMs} />
              ))}
          </div>
          <div className="grid wide" style={{ marginTop: '1rem' }}>
            {panels
              .filter((p) => p.chart !== 'stat')
              .map((panel) => (
                <PanelSlot key={panel.id} page="spend" panel={panel} locale={locale} nowMs={nowMs} />
              ))}
          </div>
        </>
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
