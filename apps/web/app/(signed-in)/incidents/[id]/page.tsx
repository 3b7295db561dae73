import Link from 'next/link';
import { api, canOperate, currentViewer, type ApiResult } from '../../../../lib/api.ts';
import {
  type Breaker,
  type DecisionsAnswer,
  type Incident,
  type OwnersAnswer,
  type PlannedEvent,
  type Scope,
  type TimelineEntry,
  type TrafficAnswer,
  type IncidentAnswer,
  type AnomalyAnswer,
  type PlannedEventsAnswer,
} from '../../../../lib/api-types.ts';
import { bandRows, reduceRows, shapeRows, windowWithin } from '../../../../lib/chart-data.ts';
import { formatAge, formatCount, formatMoney, formatPercent, formatTime } from '../../../../lib/format.ts';
import { plannedEventIdsOf } from '../../../../lib/planned.ts';
import { TRAFFIC_VIEWS, viewFields } from '../../../../lib/traffic-views.ts';
import { matchersLike } from '../../../../lib/silences.ts';
import type { PageParams } from '../../../../lib/form-errors.ts';
import { anomalySentence, incidentHeadline, kindText, placeText, timelineText } from '../../../../lib/words.ts';
import { BreakerActions, BreakerTimes } from '../../../../components/breaker-controls.tsx';
import { IncidentHeadline } from '../../../../components/incident-headline.tsx';
import { NewBreakerForm } from '../../../../components/new-breaker-form.tsx';
import { viewerLocale } from '../../../../lib/locale.ts';
import { AutoRefresh } from '../../../../components/auto-refresh.tsx';
import { BandChart } from '../../../../components/band-chart.tsx';
import { Chart } from '../../../../components/chart.tsx';
import { IncidentActions } from '../../../../components/incident-actions.tsx';
import { IncidentBadges } from '../../../../components/incident-badges.tsx';
import { Outcome } from '../../../../components/outcome.tsx';
import { EmptyState, ErrorState } from '../../../../components/states.tsx';

export const dynamic = 'force-dynamic';

// Evidence reaches back this far before the anomaly window, so the chart shows what normal looked like.
const CONTEXT_BEFORE_MS = 2 * 3_600_000;
// An incident groups anomalies; past this many the page lists the rest without charts.
const MAX_CHARTED_ANOMALIES = 3;

/** Where a Slack or PagerDuty link lands: what happened, the evidence, the breaker and its effect, the timeline. */
export default async function IncidentPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<PageParams>;
}) {
  const [{ id }, query, viewer, locale] = await Promise.all([params, searchParams, currentViewer(), viewerLocale()]);
  const nowMs = Date.now();
  const result = await api<IncidentAnswer>(`/v1/incidents/${encodeURIComponent(id)}`);
  if (!result.ok) {
    return (
      <>
        <h1>Incident {id}</h1>
        {result.status === 404 ? (
          <EmptyState>No incident {id}: it may belong to another Tollgate, or the link is mistyped.</EmptyState>
        ) : (
          <ErrorState result={result} what="this incident" />
        )}
        <p>
          <Link href="/incidents">All incidents</Link>
        </p>
      </>
    );
  }
  const { incident, timeline } = result.data;
  const charted = incident.anomalies.slice(0, MAX_CHARTED_ANOMALIES);
  const plannedIds = plannedEventIdsOf(timeline);
  const [evidence, breakers, owners, planned] = await Promise.all([
    Promise.all(charted.map((a) => api<AnomalyAnswer>(`/v1/anomalies/${encodeURIComponent(a.id)}`))),
    canOperate(viewer) ? api<Breaker[]>('/v1/breakers') : Promise.resolve(null),
    // Only to offer the owners to reassign to; a day of measures is the cheapest answer that names them.
    canOperate(viewer) && incident.state !== 'resolved' ? api<OwnersAnswer>('/v1/owners?days=1') : Promise.resolve(null),
    plannedIds.length > 0 ? api<PlannedEventsAnswer>('/v1/planned-events') : Promise.resolve(null),
  ]);
  const anomalyIds = new Set(incident.anomalies.map((a) => a.id));
  // Its breakers: tripped for one of its findings, or by hand on one of their scopes.
  const related = breakers?.ok
    ? breakers.data.filter((b) =>
        b.reason.kind === 'anomaly' ? anomalyIds.has(b.reason.anomaly_id) : incident.anomalies.some((a) => sameScope(b.scope, a.scope)),
      )
    : [];
  const back = `/incidents/${incident.id}`;

  return (
    <>
      <p className="crumbs">
        <Link href="/incidents">Incidents</Link> /
      </p>
      <h1 className="headline">
        <IncidentHeadline incident={incident} locale={locale} />
      </h1>
      <AutoRefresh renderedAt={nowMs} />
      <Outcome params={query} />
      <p>
        <IncidentBadges incident={incident} /> owner <strong>{incident.owner}</strong> · opened{' '}
        {formatAge(incident.openedAt, nowMs, locale)} ({formatTime(incident.openedAt, locale)} UTC)
        {incident.acknowledgedBy && <> · acknowledged by {incident.acknowledgedBy}</>}
        {incident.resolvedBy && <> · resolved by {incident.resolvedBy}</>}
      </p>
      <div className="grid">
        <section className="panel">
          <h3>Spend while open</h3>
          <p className="stat-value">{formatMoney(incident.spendUsd, locale)}</p>
        </section>
        <section className="panel">
          <h3>Prevented by breakers</h3>
          <p className="stat-value">{formatMoney(incident.preventedUsd, locale)}</p>
        </section>
        <section className="panel">
          <h3>Leaving now</h3>
          <p className="stat-value">{incident.costPerHourUsd === undefined ? '—' : `${formatMoney(incident.costPerHourUsd, locale)}/h`}</p>
        </section>
      </div>
      {plannedIds.length > 0 && <PlannedEvents ids={plannedIds} result={planned} timeline={timeline} locale={locale} />}
      {canOperate(viewer) && (
        <>
          <h2>Respond</h2>
          <IncidentActions incident={incident} back={back} owners={owners?.ok ? owners.data.owners.map((owner) => owner.owner) : []} />
          {owners && !owners.ok && <ErrorState result={owners} what="the owners to reassign to" />}
          {incident.anomalies[0] && (
            <p className="small">
              <Link
                data-testid="silence-like-this"
                href={`/silences?${new URLSearchParams({ matchers: matchersLike(incident.anomalies[0]).join('\n'), reason: `${incident.title} (${incident.id})`, incident: incident.id })}`}
              >
                Silence alerts like this
              </Link>{' '}
              <span className="muted">(same kind and scope, for a while: they open no incident and page nobody)</span>
            </p>
          )}
        </>
      )}

      {charted.map((summary, i) => (
        <AnomalyEvidence key={summary.id} result={evidence[i]!} locale={locale} nowMs={nowMs} />
      ))}
      {incident.anomalies.length > charted.length && (
        <p className="muted">
          {incident.anomalies.length - charted.length} more findings:{' '}
          {incident.anomalies
            .slice(charted.length)
            .map((a) => anomalySentence(a, locale))
            .join(' ')}
        </p>
      )}

      <h2>Breaker and its effect</h2>
      <p className="muted small" data-testid="decision-api-note">
        A breaker stops the sends that ask the decision API (<code>POST /v1/decide</code>, the SDK, or the provider proxy) in its scope;
        traffic sent without asking is not stopped, and its cost still counts above.
      </p>
      <IncidentBreakers breakers={breakers} related={related} incident={incident} query={query} locale={locale} nowMs={nowMs} />

      <IncidentTimeline timeline={timeline} incident={incident} canNote={canOperate(viewer)} locale={locale} />
    </>
  );
}

/** The incident's breakers with what each stopped, or the form to trip one on its first finding's scope. */
function IncidentBreakers({
  breakers,
  related,
  incident,
  query,
  locale,
  nowMs,
}: {
  breakers: ApiResult<Breaker[]> | null;
  related: Breaker[];
  incident: Incident;
  query: PageParams;
  locale: string;
  nowMs: number;
}) {
  const first = incident.anomalies[0];
  const back = `/incidents/${incident.id}`;
  return (
    <>
      {breakers === null ? (
        <p className="muted">Breakers are shown to on-call and admins.</p>
      ) : !breakers.ok ? (
        <ErrorState result={breakers} what="breakers" />
      ) : (
        <>
          {related.length === 0 ? (
            <EmptyState>No breaker was tripped for these findings: trip one below.</EmptyState>
          ) : (
            related.map((breaker) => (
              <BreakerEffect
                key={breaker.id}
                breaker={breaker}
                locale={locale}
                fromMs={Date.parse(incident.openedAt)}
                nowMs={nowMs}
                back={back}
              />
            ))
          )}
          {incident.state !== 'resolved' &&
          first &&
          (related.length === 0 || related.every((b) => b.state === 'closed') || query.trip === '1') ? (
            <section className="panel" id="trip-from-incident" data-testid="trip-from-incident" style={{ marginTop: '.5rem' }}>
              <h3>Trip a breaker on {placeText(first.scope, locale)}</h3>
              <NewBreakerForm params={query} defaults={scopeDefaults(first.scope, incidentHeadline(incident, locale))} back={back} />
            </section>
          ) : (
            incident.state !== 'resolved' && (
              <p className="small">
                <Link href={`${back}?trip=1#trip-from-incident`}>Trip another breaker</Link>
              </p>
            )
          )}
        </>
      )}
    </>
  );
}

/** What happened, in order, and a note to add (also posted to the Slack thread) while it is open. */
function IncidentTimeline({
  timeline,
  incident,
  canNote,
  locale,
}: {
  timeline: TimelineEntry[];
  incident: Incident;
  canNote: boolean;
  locale: string;
}) {
  const back = `/incidents/${incident.id}`;
  return (
    <>
      <h2>Timeline</h2>
      {timeline.length === 0 ? (
        <EmptyState>Nothing recorded yet.</EmptyState>
      ) : (
        <ul className="timeline" data-testid="timeline">
          {timeline.map((entry, i) => {
            const line = timelineText(entry);
            return (
              <li key={i} data-type={entry.type} className={line.failed ? 'failed' : undefined}>
                <span className="muted small">{formatTime(entry.at, locale)} UTC</span>{' '}
                {line.failed ? <strong>{line.text}</strong> : line.text}
              </li>
            );
          })}
        </ul>
      )}
      {canNote && incident.state !== 'resolved' && (
        <form method="post" action="/incidents/act" className="stack" style={{ marginTop: '.75rem' }}>
          <input type="hidden" name="id" value={incident.id} />
          <input type="hidden" name="op" value="notes" />
          <input type="hidden" name="back" value={back} />
          <label>
            Add a note (also posted to the Slack thread)
            <textarea name="text" required maxLength={2000} rows={2} />
          </label>
          <button type="submit">Add note</button>
        </form>
      )}
    </>
  );
}

async function AnomalyEvidence({ result, locale, nowMs }: { result: ApiResult<AnomalyAnswer>; locale: string; nowMs: number }) {
  if (!result.ok) return <ErrorState result={result} what="the anomaly's evidence" />;
  const { anomaly, series } = result.data;
  const rows = bandRows(series);
  const window = windowWithin({ startMs: anomaly.windowStartMs, endMs: anomaly.windowEndMs }, rows);
  const scope = anomaly.scope;
  const trafficQuery = new URLSearchParams({
    interval: '1m',
    from: String(anomaly.windowStartMs - CONTEXT_BEFORE_MS),
    to: String(nowMs),
    fields: viewFields('incidentScope'),
  });
  for (const [key, value] of Object.entries(scope)) if (value !== undefined) trafficQuery.set(key, String(value));
  const traffic = await api<TrafficAnswer>(`/v1/metrics/traffic?${trafficQuery}`);
  const trafficRows = traffic.ok
    ? shapeRows(traffic.data, { rowsPath: 'series.0.points', x: 'ts', fields: TRAFFIC_VIEWS.incidentScope })
    : [];
  const byDimension = (dimension: string) => (anomaly.contributors ?? []).filter((c) => c.dimension === dimension).slice(0, 8);
  return (
    <section className="panel" style={{ marginTop: '1rem' }} data-anomaly={anomaly.id}>
      <h2 style={{ marginTop: 0 }} title={anomaly.kind}>
        {kindText(anomaly.kind)} in {placeText(scope, locale)} <span className={`badge sev-${anomaly.severity}`}>{anomaly.severity}</span>
      </h2>
      <p data-testid="anomaly-sentence" title={anomaly.summary}>
        {anomalySentence(anomaly, locale)}
      </p>
      <h3>
        Against the baseline band <span className="muted small">({anomaly.unit ?? 'sends per minute'})</span>
      </h3>
      {rows.length === 0 ? (
        <EmptyState>No per-minute series stored for this anomaly.</EmptyState>
      ) : (
        <BandChart rows={rows} window={window} locale={locale} />
      )}
      <div className="grid wide">
        <div>
          <h3>Conversion and cost in this scope</h3>
          {!traffic.ok ? (
            <ErrorState result={traffic} what="traffic" />
          ) : trafficRows.length === 0 ? (
            <EmptyState>No traffic in this scope since the window opened.</EmptyState>
          ) : (
            <>
              <p className="small">
                Conversion {formatPercent(reduceRows(trafficRows, 'ratio', 'verified_sessions', 'sessions'), locale)} over{' '}
                {formatCount(reduceRows(trafficRows, 'sum', 'sends'), locale)} sends, costing{' '}
                {formatMoney(reduceRows(trafficRows, 'sum', 'cost_est_usd'), locale)}
              </p>
              <Chart
                kind="line"
                rows={trafficRows}
                x="ts"
                series={[{ field: 'conversion', label: 'Conversion', unit: 'percent' }]}
                locale={locale}
                height={180}
              />
              <Chart
                kind="area"
                rows={trafficRows}
                x="ts"
                series={[{ field: 'cost_est_usd', label: 'Cost', unit: 'money' }]}
                locale={locale}
                height={180}
              />
            </>
          )}
        </div>
        <div>
          {(['prefix', 'asn'] as const).map((dimension) => (
            <div key={dimension}>
              <h3>Top {dimension === 'asn' ? 'ASNs' : 'prefixes'}</h3>
              {byDimension(dimension).length === 0 ? (
                <p className="muted small">None attributed.</p>
              ) : (
                <table data-testid={`top-${dimension}`}>
                  <tbody>
                    {byDimension(dimension).map((c) => (
                      <tr key={c.value}>
                        <td>{c.label ?? c.value}</td>
                        <td className="num">{formatCount(c.count, locale)}</td>
                        <td className="num">{formatPercent(c.share, locale)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          ))}
        </div>
      </div>
    </section>
  );
}

async function BreakerEffect({
  breaker,
  locale,
  fromMs,
  nowMs,
  back,
}: {
  breaker: Breaker;
  locale: string;
  fromMs: number;
  nowMs: number;
  back: string;
}) {
  const query = new URLSearchParams({ interval: '1h', from: String(Math.min(fromMs, nowMs - 3_600_000)), to: String(nowMs) });
  if (breaker.scope.app) query.set('app', breaker.scope.app);
  const decisions = await api<DecisionsAnswer>(`/v1/metrics/decisions?${query}`);
  const rows = decisions.ok
    ? shapeRows(decisions.data, { rowsPath: 'points', x: 'ts', fields: ['blocked', 'shadow_blocked', 'saved_usd'] })
    : [];
  return (
    <section className="panel" data-breaker={breaker.id}>
      <p>
        <span className={`badge state-${breaker.state}`}>{breaker.state.replace('_', '-')}</span> {breaker.action}s sends to{' '}
        {placeText(breaker.scope, locale)}
        {breaker.mode === 'shadow' && ' (shadow: records, stops nothing)'} · <Link href={`/breakers?id=${breaker.id}`}>audit log</Link>
      </p>
      <BreakerTimes breaker={breaker} locale={locale} nowMs={nowMs} />
      <BreakerActions breaker={breaker} back={back} locale={locale} />
      {decisions.ok ? (
        <p className="small">
          Since the incident opened{breaker.scope.app ? ` (app ${breaker.scope.app})` : ''}:{' '}
          <span data-testid="blocked">{formatCount(reduceRows(rows, 'sum', 'blocked'), locale)}</span> sends blocked,{' '}
          {formatCount(reduceRows(rows, 'sum', 'shadow_blocked'), locale)} would have been in shadow mode,{' '}
          <span data-testid="saved">{formatMoney(reduceRows(rows, 'sum', 'saved_usd'), locale)}</span> saved (all decisions of the decision
          API in that time{breaker.scope.app ? ' and app' : ''}).
        </p>
      ) : (
        <ErrorState result={decisions} what="decisions" />
      )}
    </section>
  );
}

/**
 * The planned events the incident opened inside (named on its timeline by the desk): the declared
 * change explains part of what is seen, and who owns the scope meanwhile. An event that has ended
 * since is no longer listed by the API; the timeline's words about it stay.
 */
function PlannedEvents({
  ids,
  result,
  timeline,
  locale,
}: {
  ids: string[];
  result: ApiResult<{ events: PlannedEvent[] }> | null;
  timeline: TimelineEntry[];
  locale: string;
}) {
  const events = result?.ok ? result.data.events : [];
  return (
    <section className="panel" data-testid="planned-event" style={{ marginTop: '.75rem' }}>
      <h3>During a planned event</h3>
      {result && !result.ok && <ErrorState result={result} what="planned events" />}
      {ids.map((id) => {
        const event = events.find((candidate) => candidate.id === id);
        if (!event) {
          const said = timeline.find((entry) => [entry.text, entry.reason].some((text) => typeof text === 'string' && text.includes(id)));
          return (
            <p key={id} className="small" data-planned={id}>
              {String(said?.text ?? said?.reason ?? id)} <span className="muted">(ended since)</span>
            </p>
          );
        }
        return (
          <dl key={id} className="facts" data-planned={id}>
            <dt>kind</dt>
            <dd>
              <strong>{event.kind}</strong>: {event.note}
            </dd>
            <dt>scope</dt>
            <dd>{placeText(event.scope, locale)}</dd>
            <dt>window</dt>
            <dd>
              {formatTime(event.startsAt, locale)} → {formatTime(event.endsAt, locale)} UTC
            </dd>
            <dt>expected volume</dt>
            <dd>×{event.volumeMultiplier} the usual: volume alone raises nothing here, conversion and cost are still judged</dd>
            <dt>temporary owner</dt>
            <dd>{event.owner ?? 'none: routing as usual'}</dd>
          </dl>
        );
      })}
      <p className="small">
        <Link href="/planned">All planned events</Link>
      </p>
    </section>
  );
}

/** Whether a breaker set by hand covers exactly a finding's scope (the keys it names, with the same values). */
function sameScope(breaker: Scope, finding: Scope): boolean {
  const keys = (Object.keys(breaker) as (keyof Scope)[]).filter((key) => breaker[key] !== undefined);
  return keys.length > 0 && keys.every((key) => String(breaker[key]) === String(finding[key] ?? ''));
}

/** The new-breaker form filled in from a finding: its country, prefix and app, the incident as the reason. */
function scopeDefaults(scope: Scope, headline: string): Record<string, string | undefined> {
  return {
    country: scope.country,
    prefix: scope.prefix,
    asn: scope.asn === undefined ? undefined : String(scope.asn),
    app: scope.app,
    reason: headline.slice(0, 500),
  };
}
