import { api, canOperate, currentViewer } from '../../../lib/api.ts';
import { scopeText, type AuditEntry, type Breaker, type DecisionsAnswer } from '../../../lib/api-types.ts';
import { reduceRows, shapeRows } from '../../../lib/chart-data.ts';
import { formatCount, formatMoney, formatTime } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { AutoRefresh } from '../../../components/auto-refresh.tsx';
import { ConfirmForm } from '../../../components/confirm-form.tsx';
import { Outcome } from '../../../components/outcome.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';
import { roleText } from '../../../lib/words.ts';

export const dynamic = 'force-dynamic';

const DAY_MS = 86_400_000;

/** Breakers: what is tripped, why, by whom; trip and reset with a reason; what shadow mode would have blocked. */
export default async function BreakersPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
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
  const [list, decisions] = await Promise.all([api<Breaker[]>('/v1/breakers'), api<DecisionsAnswer>(`/v1/metrics/decisions?interval=1h&from=${nowMs - DAY_MS}&to=${nowMs}`)]);
  const breakers = list.ok ? [...list.data].sort((a, b) => Number(a.state === 'closed') - Number(b.state === 'closed') || b.updated_at - a.updated_at) : [];
  const selected = breakers.find((b) => b.id === params.id) ?? breakers[0];
  const audit = selected ? await api<AuditEntry[]>(`/v1/breakers/${selected.id}/audit`) : null;
  const decisionRows = decisions.ok ? shapeRows(decisions.data, { rowsPath: 'points', x: 'ts', fields: ['blocked', 'shadow_blocked', 'challenged', 'saved_usd'] }) : [];
  const back = (id: string) => `/breakers?id=${id}`;
  return (
    <>
      <h1>Breakers</h1>
      <AutoRefresh renderedAt={nowMs} />
      <Outcome params={params} />
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
        <table data-testid="breakers">
          <thead>
            <tr>
              <th>state</th>
              <th>scope</th>
              <th>action</th>
              <th>reason</th>
              <th>since</th>
              <th>change</th>
            </tr>
          </thead>
          <tbody>
            {breakers.map((breaker) => (
              <tr key={breaker.id} data-breaker={breaker.id} data-state={breaker.state}>
                <td>
                  <span className={`badge state-${breaker.state}`}>{breaker.state}</span>
                  {breaker.mode === 'shadow' && <span className="badge">shadow</span>}
                </td>
                <td>
                  <a href={back(breaker.id)}>{scopeText(breaker.scope)}</a>
                </td>
                <td>{breaker.action}</td>
                <td className="small">{breaker.reason.kind === 'anomaly' ? `anomaly ${breaker.reason.anomaly_id}` : `${breaker.reason.actor}: ${breaker.reason.note}`}</td>
                <td className="small">{formatTime(breaker.opened_at ?? breaker.updated_at, locale)}</td>
                <td>
                  {breaker.state === 'closed' ? (
                    <ConfirmForm action="/breakers/act" label="Trip" confirmLabel="Trip breaker" danger warning={`Tripping ${breaker.action}s every send to ${scopeText(breaker.scope)} at once.`} fields={{ id: breaker.id, op: 'trip', version: String(breaker.version) }} />
                  ) : (
                    <ConfirmForm action="/breakers/act" label="Reset" confirmLabel="Reset breaker" warning={`Resetting lets sends to ${scopeText(breaker.scope)} through again at once.`} fields={{ id: breaker.id, op: 'reset', version: String(breaker.version) }} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && audit && (
        <>
          <h2>Audit log: {scopeText(selected.scope)}</h2>
          {!audit.ok ? (
            <ErrorState result={audit} what="the audit log" />
          ) : (
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
                {audit.data.map((entry) => (
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
          )}
        </>
      )}
      <h2>Trip a new breaker</h2>
      <form method="post" action="/breakers/act" className="filters" data-testid="new-breaker">
        <input type="hidden" name="op" value="create" />
        <label>
          Country
          <input name="country" placeholder="UZ" pattern="[A-Z]{2}" size={4} />
        </label>
        <label>
          Prefix
          <input name="prefix" placeholder="+998 90" size={10} />
        </label>
        <label>
          ASN
          <input name="asn" placeholder="64500" pattern="[0-9]+" size={8} />
        </label>
        <label>
          App
          <input name="app" placeholder="any" size={10} />
        </label>
        <label>
          Action
          <select name="action" defaultValue="block">
            <option value="block">block</option>
            <option value="challenge">challenge</option>
          </select>
        </label>
        <label>
          Mode
          <select name="mode" defaultValue="enforce">
            <option value="enforce">enforce</option>
            <option value="shadow">shadow (record only)</option>
          </select>
        </label>
        <label>
          Reason
          <input name="reason" required maxLength={500} />
        </label>
        <label style={{ flexDirection: 'row', alignItems: 'center', gap: '.3rem' }}>
          <input type="checkbox" name="confirm" required /> I confirm: this stops matching sends now
        </label>
        <button type="submit" className="danger">
          Trip
        </button>
      </form>
    </>
  );
}
