import { api } from '../../../lib/api.ts';
import type { IncidentsAnswer } from '../../../lib/api-types.ts';
import { loadDashboard } from '../../../lib/dashboards.ts';
import { monthBounds } from '../../../lib/chart-data.ts';
import { formatMoney } from '../../../lib/format.ts';
import { panelLink } from '../../../lib/panel-links.ts';
import { IncidentHeadline } from '../../../components/incident-headline.tsx';
import { viewerLocale } from '../../../lib/locale.ts';
import { AutoRefresh } from '../../../components/auto-refresh.tsx';
import { PanelSlot } from '../../../components/panel-slot.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';

export const dynamic = 'force-dynamic';

const DAY_MS = 86_400_000;
/** The panel of dashboards/spend.json whose days finance picks. */
const DAILY_PANEL = 'spend-daily';
const DAILY_RANGES = [
  { value: '7', label: 'last 7 days', fromMs: (nowMs: number) => nowMs - 7 * DAY_MS },
  { value: '30', label: 'last 30 days', fromMs: (nowMs: number) => nowMs - 30 * DAY_MS },
  { value: 'month', label: 'this month', fromMs: (nowMs: number) => monthBounds(nowMs).startMs },
  { value: '90', label: 'last 90 days', fromMs: (nowMs: number) => nowMs - 90 * DAY_MS },
] as const;

/**
 * For finance: the month against budgets and the providers' minimum commitments with the month-end
 * forecast, where the money goes, billed against estimated and each contract reconciled per month
 * (all panels of dashboards/spend.json), and what each incident cost.
 */
export default async function SpendPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const [params, locale, dashboard] = await Promise.all([searchParams, viewerLocale(), loadDashboard('spend')]);
  const nowMs = Date.now();
  const days = DAILY_RANGES.find((range) => range.value === params.days) ?? DAILY_RANGES[1]!;
  const incidents = await api<IncidentsAnswer>('/v1/incidents?limit=100');
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
              .map((panel) =>
                panel.id === DAILY_PANEL ? (
                  <div key={panel.id}>
                    <form className="filters" method="get" data-testid="daily-range" style={{ margin: '0 0 .25rem' }}>
                      <label>
                        Days shown
                        <select name="days" defaultValue={days.value}>
                          {DAILY_RANGES.map((range) => (
                            <option key={range.value} value={range.value}>
                              {range.label}
                            </option>
                          ))}
                        </select>
                      </label>
                      <button type="submit">Show</button>
                    </form>
                    <PanelSlot
                      page="spend"
                      panel={{ ...panel, title: `Spend per day, ${days.label}: estimated and billed` }}
                      locale={locale}
                      nowMs={nowMs}
                      filters={{ from: String(days.fromMs(nowMs)), to: String(nowMs) }}
                    />
                  </div>
                ) : (
                  <PanelSlot key={panel.id} page="spend" panel={panel} locale={locale} nowMs={nowMs} href={panelLink('spend', panel.id)} />
                ),
              )}
          </div>
        </>
      )}
      <h2>Cost of each incident</h2>
      {!incidents.ok ? (
        <ErrorState result={incidents} what="incidents" />
      ) : costly.length === 0 ? (
        <EmptyState>No incidents yet.</EmptyState>
      ) : (
        <div className="table-wrap">
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
                    <IncidentHeadline incident={incident} locale={locale} link />
                  </td>
                  <td>{incident.state}</td>
                  <td className="num">{formatMoney(incident.spendUsd, locale)}</td>
                  <td className="num">{formatMoney(incident.preventedUsd, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
