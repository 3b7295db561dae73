import Link from 'next/link';
import { api, canOperate, currentViewer, type ApiResult } from '../../lib/api.ts';
import type { AnomaliesAnswer, Breaker, Incident, IncidentsAnswer } from '../../lib/api-types.ts';
import { loadDashboard } from '../../lib/dashboards.ts';
import { formatAge, formatMoney } from '../../lib/format.ts';
import { viewerLocale } from '../../lib/locale.ts';
import { panelLink } from '../../lib/panel-links.ts';
import { anomalySentence, placeText } from '../../lib/words.ts';
import { AutoRefresh } from '../../components/auto-refresh.tsx';
import { BreakerReason, incidentsByAnomaly, type IncidentsByAnomaly } from '../../components/breaker-reason.tsx';
import { IncidentActions } from '../../components/incident-actions.tsx';
import { IncidentBadges } from '../../components/incident-badges.tsx';
import { IncidentHeadline } from '../../components/incident-headline.tsx';
import { Outcome } from '../../components/outcome.tsx';
import { PanelSlot } from '../../components/panel-slot.tsx';
import { UnreachableBanner } from '../../components/unreachable-banner.tsx';
import { ErrorState, EmptyState } from '../../components/states.tsx';

export const dynamic = 'force-dynamic';

/** The overview draws these panels of dashboards/overview.json itself: breakers by scope and reason, findings as sentences. */
const DRAWN_HERE: ReadonlySet<string> = new Set(['breakers-active', 'anomalies-24h']);
const DAY_MS = 86_400_000;
const SHOWN_ANOMALIES = 10;
/** Who looks for what: IAM for the auth side, fraud and finance for billing, the messaging-vendor owner for delivery. */
const CATEGORIES = [
  { id: 'auth', label: 'Auth (IAM)' },
  { id: 'billing', label: 'Billing (fraud, finance)' },
  { id: 'delivery', label: 'Delivery (messaging vendor)' },
] as const;

/**
 * What someone opening Tollgate first needs, in this order: what is on fire and whether anyone was
 * reached (on-call, IAM), then the money (finance), then traffic health; every number leads to the
 * page that explains it.
 */
export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const [params, viewer, locale, dashboard] = await Promise.all([searchParams, currentViewer(), viewerLocale(), loadDashboard('overview')]);
  const nowMs = Date.now();
  const operate = canOperate(viewer);
  const [open, acknowledged, breakers, anomalies, recent] = await Promise.all([
    api<IncidentsAnswer>('/v1/incidents?state=triggered&limit=50'),
    api<IncidentsAnswer>('/v1/incidents?state=acknowledged&limit=50'),
    operate ? api<Breaker[]>('/v1/breakers?state=active') : Promise.resolve(null),
    api<AnomaliesAnswer>(`/v1/anomalies?from=${nowMs - DAY_MS}&to=${nowMs}&limit=${SHOWN_ANOMALIES}`),
    // Names the incident of each breaker and finding, and shows what was handled today.
    api<IncidentsAnswer>(`/v1/incidents?from=${nowMs - DAY_MS}&limit=200`),
  ]);
  const incidents = [...(open.ok ? open.data.incidents : []), ...(acknowledged.ok ? acknowledged.data.incidents : [])];
  const byAnomaly = incidentsByAnomaly(recent.ok ? recent.data.incidents : []);
  const resolvedToday = recent.ok ? recent.data.incidents.filter((incident) => incident.state === 'resolved') : [];
  const panels = dashboard.ok ? dashboard.dashboard.panels.filter((p) => !DRAWN_HERE.has(p.id)) : [];
  return (
    <>
      <h1>Overview</h1>
      <AutoRefresh renderedAt={nowMs} />
      <Outcome params={params} />
      <UnreachableBanner />
      <OpenIncidents open={open} incidents={incidents} resolvedToday={resolvedToday} locale={locale} nowMs={nowMs} operate={operate} />
      {!dashboard.ok ? (
        <p className="state error">Panel file error: {dashboard.error}</p>
      ) : (
        <>
          <div className="grid" style={{ marginTop: '1rem' }}>
            {panels
              .filter((p) => p.chart === 'stat')
              .map((panel) => (
                <PanelSlot
                  key={panel.id}
                  page="overview"
                  panel={panel}
                  locale={locale}
                  nowMs={nowMs}
                  href={panelLink('overview', panel.id)}
                />
              ))}
            <section className="panel" data-panel="open-breakers">
              <h3>{operate ? <Link href="/breakers">Open breakers</Link> : 'Open breakers'}</h3>
              {breakers === null ? (
                <p className="muted small">Breakers are shown to on-call and admins.</p>
              ) : breakers.ok ? (
                <p className="stat-value" data-value={breakers.data.length}>
                  {breakers.data.length}
                </p>
              ) : (
                <ErrorState result={breakers} what="breakers" />
              )}
            </section>
          </div>
          <div className="grid wide" style={{ marginTop: '1rem' }}>
            {panels
              .filter((p) => p.chart !== 'stat')
              .map((panel) => (
                <PanelSlot
                  key={panel.id}
                  page="overview"
                  panel={panel}
                  locale={locale}
                  nowMs={nowMs}
                  href={panelLink('overview', panel.id)}
                />
              ))}
            <RecentFindings anomalies={anomalies} byAnomaly={byAnomaly} locale={locale} />
            {breakers !== null && <ActiveBreakers breakers={breakers} byAnomaly={byAnomaly} locale={locale} />}
          </div>
        </>
      )}
    </>
  );
}

/** What is on fire, by category, with what it costs now and who acknowledged it; resolved ones only as a count. */
function OpenIncidents({
  open,
  incidents,
  resolvedToday,
  locale,
  nowMs,
  operate,
}: {
  open: ApiResult<IncidentsAnswer>;
  incidents: Incident[];
  resolvedToday: Incident[];
  locale: string;
  nowMs: number;
  operate: boolean;
}) {
  return (
    <section data-testid="open-incidents">
      <h2 style={{ marginTop: '.5rem' }}>
        <Link href="/incidents?state=triggered">Open incidents</Link>{' '}
        <span className="badge" data-panel="open-incidents" data-value={incidents.length}>
          {incidents.length}
        </span>
      </h2>
      {incidents.length > 0 && (
        <p className="small" data-testid="by-category">
          {CATEGORIES.map((category) => {
            const count = incidents.filter((incident) => incident.category === category.id).length;
            return (
              <span key={category.id} style={{ marginRight: '1rem' }}>
                <Link href={`/incidents?category=${category.id}`}>
                  {category.label}: {count}
                </Link>
              </span>
            );
          })}
        </p>
      )}
      {!open.ok ? (
        <ErrorState result={open} what="incidents" />
      ) : incidents.length === 0 ? (
        <EmptyState>
          Nothing is open.{' '}
          {resolvedToday.length > 0 ? (
            <>
              {resolvedToday.length} incident{resolvedToday.length === 1 ? ' was' : 's were'} handled in the last 24 h:{' '}
              <Link href="/incidents?state=resolved">see them</Link>.
            </>
          ) : (
            'Incidents appear here when the detector raises an anomaly.'
          )}
        </EmptyState>
      ) : (
        <ul className="incident-list">
          {incidents.slice(0, 10).map((incident) => (
            <li key={incident.id} className="panel" data-incident={incident.id} data-state={incident.state}>
              <p style={{ margin: 0 }}>
                <IncidentBadges incident={incident} /> <IncidentHeadline incident={incident} locale={locale} link />
              </p>
              <p className="muted small" style={{ margin: '.25rem 0' }}>
                {incident.owner} · opened {formatAge(incident.openedAt, nowMs, locale)} · {formatMoney(incident.spendUsd, locale)} spent
                while open
                {incident.costPerHourUsd ? (
                  <>
                    {' '}
                    · <strong className="leaving">{formatMoney(incident.costPerHourUsd, locale)}/h leaving now</strong>
                  </>
                ) : null}
                {incident.acknowledgedBy && <> · acknowledged by {incident.acknowledgedBy}</>}
              </p>
              {operate && <IncidentActions incident={incident} back="/" />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The detector's findings of the last day as sentences, each linked to the incident that holds it. */
function RecentFindings({
  anomalies,
  byAnomaly,
  locale,
}: {
  anomalies: ApiResult<AnomaliesAnswer>;
  byAnomaly: IncidentsByAnomaly;
  locale: string;
}) {
  return (
    <section className="panel" data-panel="anomalies-24h">
      <h3>
        <Link href="/incidents">Findings, last 24 h</Link>
      </h3>
      <p className="muted small">What the detector found; incidents group them by owner.</p>
      {!anomalies.ok ? (
        <ErrorState result={anomalies} what="findings" />
      ) : anomalies.data.anomalies.length === 0 ? (
        <EmptyState>No finding in the last 24 hours.</EmptyState>
      ) : (
        <ul className="timeline">
          {anomalies.data.anomalies.map((anomaly) => {
            const incident = byAnomaly.get(anomaly.id);
            return (
              <li key={anomaly.id} data-anomaly={anomaly.id}>
                <span className={`badge sev-${anomaly.severity}`} title={anomaly.kind}>
                  {anomaly.state === 'open' ? 'open' : 'over'}
                </span>{' '}
                {incident ? (
                  <Link href={`/incidents/${incident.id}`}>{anomalySentence(anomaly, locale)}</Link>
                ) : (
                  anomalySentence(anomaly, locale)
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** Open breakers by scope and reason (on-call and admins only). */
function ActiveBreakers({
  breakers,
  byAnomaly,
  locale,
}: {
  breakers: ApiResult<Breaker[]>;
  byAnomaly: IncidentsByAnomaly;
  locale: string;
}) {
  return (
    <section className="panel" data-panel="breakers-active">
      <h3>
        <Link href="/breakers">Active breakers</Link>
      </h3>
      <p className="muted small">They stop what asks the decision API (services, the provider proxy) in their scope.</p>
      {!breakers.ok ? (
        <ErrorState result={breakers} what="breakers" />
      ) : breakers.data.length === 0 ? (
        <EmptyState>No breaker is open.</EmptyState>
      ) : (
        <ul className="timeline">
          {breakers.data.slice(0, 10).map((breaker) => (
            <li key={breaker.id} data-breaker={breaker.id}>
              <span className={`badge state-${breaker.state}`}>{breaker.state.replace('_', '-')}</span> {breaker.action}s{' '}
              <BreakerScope breaker={breaker} locale={locale} />: <BreakerReason breaker={breaker} incidents={byAnomaly} locale={locale} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function BreakerScope({ breaker, locale }: { breaker: Breaker; locale: string }) {
  return <Link href={`/breakers?id=${breaker.id}`}>sends to {placeText(breaker.scope, locale)}</Link>;
}
