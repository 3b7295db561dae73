import Link from 'next/link';
import { api, canOperate, currentViewer } from '../../lib/api.ts';
import type { Breaker, Incident } from '../../lib/api-types.ts';
import { loadDashboard } from '../../lib/dashboards.ts';
import { formatAge, formatMoney } from '../../lib/format.ts';
import { viewerLocale } from '../../lib/locale.ts';
import { AutoRefresh } from '../../components/auto-refresh.tsx';
import { PanelSlot } from '../../components/panel-slot.tsx';
import { ErrorState, EmptyState } from '../../components/states.tsx';
import { IncidentBadges } from '../../components/incident-badges.tsx';

export const dynamic = 'force-dynamic';

/** What someone opening Tollgate first needs: money, traffic health, and what is on fire. */
export default async function OverviewPage() {
  const [viewer, locale, dashboard] = await Promise.all([currentViewer(), viewerLocale(), loadDashboard('overview')]);
  const nowMs = Date.now();
  const [open, acknowledged, breakers] = await Promise.all([
    api<{ incidents: Incident[] }>('/v1/incidents?state=triggered&limit=50'),
    api<{ incidents: Incident[] }>('/v1/incidents?state=acknowledged&limit=50'),
    canOperate(viewer) ? api<Breaker[]>('/v1/breakers?state=active') : Promise.resolve(null),
  ]);
  const incidents = [...(open.ok ? open.data.incidents : []), ...(acknowledged.ok ? acknowledged.data.incidents : [])];
  return (
    <>
      <h1>Overview</h1>
      <AutoRefresh renderedAt={nowMs} />
      {!dashboard.ok ? (
        <p className="state error">Panel file error: {dashboard.error}</p>
      ) : (
        <>
          <div className="grid">
            {dashboard.dashboard.panels
              .filter((p) => p.chart === 'stat')
              .map((panel) => (
                <PanelSlot key={panel.id} page="overview" panel={panel} locale={locale} nowMs={nowMs} />
              ))}
            <section className="panel" data-panel="open-incidents">
              <h3>Open incidents</h3>
              {open.ok ? <p className="stat-value" data-value={incidents.length}>{incidents.length}</p> : <ErrorState result={open} what="incidents" />}
            </section>
            <section className="panel" data-panel="open-breakers">
              <h3>Open breakers</h3>
              {breakers === null ? (
                <p className="muted small">Breakers are shown to on-call and admins.</p>
              ) : breakers.ok ? (
                <p className="stat-value" data-value={breakers.data.length}>{breakers.data.length}</p>
              ) : (
                <ErrorState result={breakers} what="breakers" />
              )}
            </section>
          </div>
          <h2>Open incidents</h2>
          {!open.ok ? (
            <ErrorState result={open} what="incidents" />
          ) : incidents.length === 0 ? (
            <EmptyState>Nothing is open. Incidents appear here when the detector raises an anomaly.</EmptyState>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>incident</th>
                  <th>owner</th>
                  <th>opened</th>
                  <th className="num">spend while open</th>
                </tr>
              </thead>
              <tbody>
                {incidents.slice(0, 10).map((incident) => (
                  <tr key={incident.id}>
                    <td>
                      <IncidentBadges incident={incident} /> <Link href={`/incidents/${incident.id}`}>{incident.title}</Link>
                    </td>
                    <td>{incident.owner}</td>
                    <td>{formatAge(incident.openedAt, nowMs, locale)}</td>
                    <td className="num">{formatMoney(incident.spendUsd, locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="grid wide" style={{ marginTop: '1rem' }}>
            {dashboard.dashboard.panels
              .filter((p) => p.chart !== 'stat')
              .map((panel) => (
                <PanelSlot key={panel.id} page="overview" panel={panel} locale={locale} nowMs={nowMs} />
              ))}
          </div>
        </>
      )}
    </>
  );
}
