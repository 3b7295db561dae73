import Link from 'next/link';
import { api, canOperate, currentViewer } from '../../../lib/api.ts';
import type { IncidentsAnswer } from '../../../lib/api-types.ts';
import { formatAge, formatMoney } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { AutoRefresh } from '../../../components/auto-refresh.tsx';
import { IncidentActions } from '../../../components/incident-actions.tsx';
import { IncidentBadges } from '../../../components/incident-badges.tsx';
import { IncidentHeadline } from '../../../components/incident-headline.tsx';
import { kindText } from '../../../lib/words.ts';
import { Outcome } from '../../../components/outcome.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';

export const dynamic = 'force-dynamic';

const FILTERS = ['state', 'category', 'owner', 'kind', 'app'] as const;

/** Auth and billing alerts in one list, filterable, with acknowledge and resolve for on-call. */
export default async function IncidentsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const params = await searchParams;
  const [viewer, locale] = await Promise.all([currentViewer(), viewerLocale()]);
  const query = new URLSearchParams({ limit: '200' });
  for (const name of FILTERS) if (params[name]) query.set(name, params[name]!);
  const result = await api<IncidentsAnswer>(`/v1/incidents?${query}`);
  const nowMs = Date.now();
  const here = `/incidents?${new URLSearchParams(Object.entries(params).filter(([k, v]) => FILTERS.includes(k as (typeof FILTERS)[number]) && v) as [string, string][])}`;
  return (
    <>
      <h1>Incidents</h1>
      <AutoRefresh renderedAt={nowMs} />
      <Outcome params={params} />
      <form className="filters" method="get">
        <label>
          State
          <select name="state" defaultValue={params.state ?? ''}>
            <option value="">any</option>
            <option value="triggered">triggered</option>
            <option value="acknowledged">acknowledged</option>
            <option value="resolved">resolved</option>
          </select>
        </label>
        <label>
          Alert
          <select name="category" defaultValue={params.category ?? ''}>
            <option value="">auth and billing</option>
            <option value="auth">auth</option>
            <option value="billing">billing</option>
            <option value="delivery">delivery</option>
          </select>
        </label>
        <label>
          Owner
          <input name="owner" defaultValue={params.owner ?? ''} placeholder="fraud-oncall" />
        </label>
        <label>
          Kind
          <input name="kind" defaultValue={params.kind ?? ''} placeholder="volume_spike" />
        </label>
        <label>
          App
          <input name="app" defaultValue={params.app ?? ''} placeholder="signup" />
        </label>
        <button type="submit">Filter</button>
        <Link href="/incidents">clear</Link>
      </form>
      {!result.ok ? (
        <ErrorState result={result} what="incidents" />
      ) : result.data.incidents.length === 0 ? (
        <EmptyState>No incident matches these filters.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table data-testid="incidents">
            <thead>
              <tr>
                <th>incident</th>
                <th>owner</th>
                <th>kinds</th>
                <th>opened</th>
                <th className="num">spend</th>
                <th className="num">prevented</th>
                {canOperate(viewer) && <th>actions</th>}
              </tr>
            </thead>
            <tbody>
              {result.data.incidents.map((incident) => (
                <tr key={incident.id} data-incident={incident.id} data-state={incident.state}>
                  <td>
                    <IncidentBadges incident={incident} /> <IncidentHeadline incident={incident} locale={locale} link />
                    {incident.acknowledgedBy && <div className="muted small">acknowledged by {incident.acknowledgedBy}</div>}
                  </td>
                  <td>{incident.owner}</td>
                  <td className="small" title={incident.kinds.join(', ')}>
                    {incident.kinds.map(kindText).join(', ')}
                  </td>
                  <td>{formatAge(incident.openedAt, nowMs, locale)}</td>
                  <td className="num">{formatMoney(incident.spendUsd, locale)}</td>
                  <td className="num">{formatMoney(incident.preventedUsd, locale)}</td>
                  {canOperate(viewer) && (
                    <td>
                      <IncidentActions incident={incident} back={here} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
