import { api, canOperate, currentViewer } from '../../../lib/api.ts';
import type { AuditEntry, Breaker, DecisionsAnswer, IncidentsAnswer } from '../../../lib/api-types.ts';
import { reduceRows, shapeRows } from '../../../lib/chart-data.ts';
import { formatCount, formatMoney, formatTime } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { AutoRefresh } from '../../../components/auto-refresh.tsx';
import { BreakerActions, BreakerTimes } from '../../../components/breaker-controls.tsx';
import { BreakerReason, incidentsByAnomaly, type IncidentsByAnomaly } from '../../../components/breaker-reason.tsx';
import { NewBreakerForm } from '../../../components/new-breaker-form.tsx';
import type { PageParams } from '../../../lib/form-errors.ts';
import { placeText } from '../../../lib/words.ts';
import { Outcome } from '../../../components/outcome.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';
import { roleText } from '../../../lib/words.ts';

export const dynamic = 'force-dynamic';

const DAY_MS = 86_400_000;

/** Breakers: what is tripped, why, by whom; trip and reset with a reason; what shadow mode would have blocked. */
export default async function BreakersPage({ searchParams }: { searchParams: Promise<PageParams> }) {
  const [params, viewer, locale] = await Promise.all([searchParams, currentViewer(), viewerLocale()]);
  const nowMs = Date.now();
  if (!canOperate(viewer)) {
    return (
      <>
        <h1>Breakers</h1>
        <p className="state forbidden" data-state="forbidden">
          Breakers are for on-call and admins: your role ({roleText(viewer.role)}) cannot see or change them.
        </p>
      </>
    );
  }
  const [list, decisions, incidents] = await Promise.all([
    api<Breaker[]>('/v1/breakers'),
    api<DecisionsAnswer>(`/v1/metrics/decisions?interval=1h&from=${nowMs - DAY_MS}&to=${nowMs}`),
    // Names the incident each automatic breaker was tripped for.
    api<IncidentsAnswer>('/v1/incidents?limit=500'),
  ]);
  const byAnomaly = incidentsByAnomaly(incidents.ok ? incidents.data.incidents : []);
  const breakers = list.ok
    ? [...list.data].sort((a, b) => Number(a.state === 'closed') - Number(b.state === 'closed') || b.updated_at - a.updated_at)
    : [];
  const selected = breakers.find((b) => b.id === params.id) ?? breakers[0];
  const audit = selected ? await api<AuditEntry[]>(`/v1/breakers/${selected.id}/audit`) : null;
  const decisionRows = decisions.ok
    ? shapeRows(decisions.data, { rowsPath: 'points', x: 'ts', fields: ['blocked', 'shadow_blocked', 'challenged', 'saved_usd'] })
    : [];
  return (
    <>
      <h1>Breakers</h1>
      <AutoRefresh renderedAt={nowMs} />
      <Outcome params={params} />
      <p className="muted small" data-testid="decision-api-note">
        A breaker stops what asks the decision API (<code>POST /v1/decide</code>, the SDK, or the provider proxy) in its scope: a service
        that sends without asking is not stopped.
      </p>
      <div className="grid">
        <section className="panel">
          <h3>Blocked, last 24 h</h3>
          <p className="stat-value">{formatCount(reduceRows(decisionRows, 'sum', 'blocked'), locale)}</p>
        </section>
        <section className="panel" data-panel="shadow">
          <h3>Shadow mode would have blocked</h3>
          <p className="stat-value">{formatCount(reduceRows(decisionRows, 'sum', 'shadow_blocked'), locale)}</p>
          <p className="muted small">Sends that shadow breakers recorded without blocking, last 24 h.</p>
        </section>
        <section className="panel">
          <h3>Saved, last 24 h</h3>
          <p className="stat-value">{formatMoney(reduceRows(decisionRows, 'sum', 'saved_usd'), locale)}</p>
        </section>
      </div>
      <h2>All breakers</h2>
      {!list.ok ? (
        <ErrorState result={list} what="breakers" />
      ) : breakers.length === 0 ? (
        <EmptyState>No breaker yet: they trip on anomalies (per alert-rules/breaker-policy.yaml) or by hand below.</EmptyState>
      ) : (
        <BreakersTable breakers={breakers} byAnomaly={byAnomaly} locale={locale} nowMs={nowMs} />
      )}
      {selected && audit && (
        <>
          <h2>Audit log: {placeText(selected.scope, locale)}</h2>
          {!audit.ok ? <ErrorState result={audit} what="the audit log" /> : <AuditTable entries={audit.data} locale={locale} />}
        </>
      )}
      <h2>Trip a new breaker</h2>
      <NewBreakerForm params={params} />
    </>
  );
}

/** Every breaker, open ones first, with where, why, when and what may be changed. */
function BreakersTable({
  breakers,
  byAnomaly,
  locale,
  nowMs,
}: {
  breakers: Breaker[];
  byAnomaly: IncidentsByAnomaly;
  locale: string;
  nowMs: number;
}) {
  const back = (id: string) => `/breakers?id=${id}`;
  return (
    <div className="table-wrap">
      <table data-testid="breakers">
        <thead>
          <tr>
            <th>state</th>
            <th>where</th>
            <th>why</th>
            <th>when</th>
            <th>change</th>
          </tr>
        </thead>
        <tbody>
          {breakers.map((breaker) => (
            <tr key={breaker.id} data-breaker={breaker.id} data-state={breaker.state}>
              <td>
                <span className={`badge state-${breaker.state}`}>{breaker.state.replace('_', '-')}</span> {breaker.action}
                {breaker.mode === 'shadow' && <span className="badge">shadow</span>}
              </td>
              <td>
                <a href={back(breaker.id)} title={breaker.id}>
                  {placeText(breaker.scope, locale)}
                </a>
              </td>
              <td className="small">
                <BreakerReason breaker={breaker} incidents={byAnomaly} locale={locale} />
              </td>
              <td>
                <BreakerTimes breaker={breaker} locale={locale} nowMs={nowMs} />
              </td>
              <td>
                <BreakerActions breaker={breaker} back={back(breaker.id)} locale={locale} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A breaker's audit log: each change, who made it and why. */
function AuditTable({ entries, locale }: { entries: AuditEntry[]; locale: string }) {
  return (
    <div className="table-wrap">
      <table data-testid="audit">
        <thead>
          <tr>
            <th>when (UTC)</th>
            <th>event</th>
            <th>from → to</th>
            <th>who</th>
            <th>why</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.version}>
              <td className="small">{formatTime(entry.ts, locale)}</td>
              <td>{entry.event}</td>
              <td>
                {entry.from_state} → {entry.to_state}
              </td>
              <td>{entry.actor}</td>
              <td className="small">{entry.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
