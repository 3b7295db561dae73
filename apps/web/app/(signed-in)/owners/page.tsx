import Link from 'next/link';
import { api } from '../../../lib/api.ts';
import type { IncidentsAnswer, OwnerPerformance, OwnersAnswer } from '../../../lib/api-types.ts';
import { formatAge, formatDuration, formatPercent } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { meetsTarget, openByOwner, responseRows, type ResponseStep } from '../../../lib/owners.ts';
import { AutoRefresh } from '../../../components/auto-refresh.tsx';
import { Chart } from '../../../components/chart.tsx';
import { IncidentBadges } from '../../../components/incident-badges.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';
import { kindText, roleText } from '../../../lib/words.ts';

export const dynamic = 'force-dynamic';

const DAYS = [7, 30, 92] as const;
// The most open incidents one owner's list shows; the incidents page has them all.
const OPEN_SHOWN = 10;
const STEPS: { step: ResponseStep; title: string; explain: string }[] = [
  { step: 'acknowledge', title: 'Time to acknowledge', explain: 'from the incident opening to the first acknowledgement' },
  {
    step: 'mitigate',
    title: 'Time to mitigate',
    explain: 'from the opening to the first breaker trip or the resolution: when the money stopped',
  },
];

/** Who acts when: each owner's open incidents and measured response times against the targets in alert-rules/owners.yaml. */
export default async function OwnersPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const params = await searchParams;
  const locale = await viewerLocale();
  const days = DAYS.find((d) => String(d) === params.days) ?? 30;
  const nowMs = Date.now();
  const [owners, triggered, acknowledged] = await Promise.all([
    api<OwnersAnswer>(`/v1/owners?days=${days}`),
    api<IncidentsAnswer>('/v1/incidents?state=triggered&limit=500'),
    api<IncidentsAnswer>('/v1/incidents?state=acknowledged&limit=500'),
  ]);
  const open = openByOwner([...(triggered.ok ? triggered.data.incidents : []), ...(acknowledged.ok ? acknowledged.data.incidents : [])]);
  const openFailure = !triggered.ok ? triggered : !acknowledged.ok ? acknowledged : null;
  return (
    <>
      <h1>Owners</h1>
      <AutoRefresh renderedAt={nowMs} />
      <form className="filters" method="get">
        <label>
          Measured over
          <select name="days" defaultValue={String(days)}>
            {DAYS.map((d) => (
              <option key={d} value={d}>
                last {d} days
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
      </form>
      {!owners.ok ? (
        <ErrorState result={owners} what="owners" />
      ) : (
        <>
          <h2>Anomaly kinds without an owner</h2>
          {owners.data.unownedKinds.length === 0 ? (
            <p className="notice" data-testid="unowned" data-count={0}>
              Every anomaly kind reaches an owner.
            </p>
          ) : (
            <div className="state error" role="status" data-testid="unowned" data-count={owners.data.unownedKinds.length}>
              <strong>No route gives these an owner:</strong>{' '}
              {owners.data.unownedKinds.map((unowned) => `${kindText(unowned.kind)} (${unowned.severities.join(', ')})`).join('; ')}. Add a
              route in alert-rules/.
            </div>
          )}
          {owners.data.owners.length === 0 ? (
            <EmptyState>No owners are defined in alert-rules/owners.yaml.</EmptyState>
          ) : (
            <>
              <div className="grid wide">
                {STEPS.map(({ step, title, explain }) => {
                  const rows = responseRows(owners.data.owners, step);
                  return (
                    <section className="panel" key={step} data-panel={`${step}-times`}>
                      <h3>{title}, as a share of the target</h3>
                      <p className="muted small">
                        Median and p90 {explain}, incidents opened in the last {days} days; past the line, the target is missed.
                      </p>
                      {rows.length === 0 ? (
                        <EmptyState>No owner with a target has a measured incident in this range yet.</EmptyState>
                      ) : (
                        <Chart
                          kind="bar"
                          rows={rows}
                          x="owner"
                          series={[
                            { field: 'median', label: 'Median', unit: 'percent' },
                            { field: 'p90', label: 'p90', unit: 'percent' },
                          ]}
                          reference={{ y: 1, label: 'target' }}
                          locale={locale}
                        />
                      )}
                    </section>
                  );
                })}
              </div>
              <h2>Each owner</h2>
              <OwnersTable owners={owners.data.owners} locale={locale} />
              <h2>Open incidents by owner</h2>
              {openFailure && <ErrorState result={openFailure} what="open incidents" />}
              <OpenByOwner owners={owners.data.owners} open={open} locale={locale} nowMs={nowMs} />
            </>
          )}
        </>
      )}
    </>
  );
}

/** Each owner's incidents and response times against their targets. */
function OwnersTable({ owners, locale }: { owners: OwnerPerformance[]; locale: string }) {
  return (
    <table data-testid="owners">
      <thead>
        <tr>
          <th>owner</th>
          <th>role</th>
          <th className="num">incidents</th>
          <th className="num">open</th>
          {STEPS.map(({ step }) => (
            <th key={step} className="num">
              {step}: median / p90 (target) · within
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {owners.map((owner) => (
          <tr key={owner.owner} data-owner={owner.owner}>
            <td>
              <Link href={`/incidents?owner=${encodeURIComponent(owner.owner)}`}>{owner.owner}</Link>
            </td>
            <td>{roleText(owner.role)}</td>
            <td className="num">{owner.incidents}</td>
            <td className="num">{owner.open}</td>
            {STEPS.map(({ step }) => {
              const meets = meetsTarget(owner, step);
              const measure = owner[step];
              return (
                <td key={step} className="num" data-meets={meets === null ? 'unknown' : String(meets)}>
                  {measure.measured === 0 ? (
                    <span className="muted">none measured</span>
                  ) : (
                    <>
                      {formatDuration(measure.medianMs, locale)} /{' '}
                      <strong className={meets === false ? 'field-error' : ''}>{formatDuration(measure.p90Ms, locale)}</strong>
                    </>
                  )}
                  <span className="muted"> ({formatDuration(owner.targets[`${step}Ms`], locale)})</span>
                  {measure.withinTarget !== undefined && <> · {formatPercent(measure.withinTarget, locale)}</>}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Each owner's open incidents, with the targets they are already late for. */
function OpenByOwner({
  owners,
  open,
  locale,
  nowMs,
}: {
  owners: OwnerPerformance[];
  open: ReturnType<typeof openByOwner>;
  locale: string;
  nowMs: number;
}) {
  return (
    <>
      {owners.map((owner) => {
        const list = open.get(owner.owner) ?? [];
        const overdue = new Map(owner.overdue.map((late) => [`${late.incidentId}:${late.target}`, late.overdueMs]));
        return (
          <section key={owner.owner} className="panel" style={{ marginTop: '.5rem' }} data-open-for={owner.owner}>
            <h3>
              {owner.owner} <span className="muted small">· {list.length} open</span>
            </h3>
            {list.length === 0 ? (
              <p className="muted small">Nothing open.</p>
            ) : (
              <ul className="timeline">
                {list.slice(0, OPEN_SHOWN).map((incident) => {
                  const lateAck = overdue.get(`${incident.id}:acknowledge`);
                  const lateMitigate = overdue.get(`${incident.id}:mitigate`);
                  return (
                    <li key={incident.id}>
                      <IncidentBadges incident={incident} /> <Link href={`/incidents/${incident.id}`}>{incident.title}</Link>{' '}
                      <span className="muted small">opened {formatAge(incident.openedAt, nowMs, locale)}</span>
                      {lateAck !== undefined && (
                        <span className="field-error"> · acknowledge overdue by {formatDuration(lateAck, locale)}</span>
                      )}
                      {lateMitigate !== undefined && (
                        <span className="field-error"> · mitigation overdue by {formatDuration(lateMitigate, locale)}</span>
                      )}
                    </li>
                  );
                })}
              </ul>
            )}
            {list.length > OPEN_SHOWN && (
              <Link className="small" href={`/incidents?owner=${encodeURIComponent(owner.owner)}`}>
                all {list.length} open
              </Link>
            )}
          </section>
        );
      })}
    </>
  );
}
