import Link from 'next/link';
import { api, canOperate, currentViewer } from '../../../lib/api.ts';
import type { Silence, SilencesAnswer } from '../../../lib/api-types.ts';
import { invalid, typed, type PageParams } from '../../../lib/form-errors.ts';
import { formatTime, formatUntil } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { utcInputValue } from '../../../lib/time-input.ts';
import { ConfirmForm } from '../../../components/confirm-form.tsx';
import { FieldError } from '../../../components/field-error.tsx';
import { Outcome } from '../../../components/outcome.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';
import { roleText } from '../../../lib/words.ts';

export const dynamic = 'force-dynamic';

// Long enough to cover a maintenance or a known vendor issue, short enough that it is not forgotten.
const DEFAULT_SILENCE_MS = 2 * 3_600_000;

/** Silences: "I know, stop telling me" for alerts matching all of some matchers, for a while. */
export default async function SilencesPage({ searchParams }: { searchParams: Promise<PageParams> }) {
  const [params, viewer, locale] = await Promise.all([searchParams, currentViewer(), viewerLocale()]);
  const nowMs = Date.now();
  const result = await api<SilencesAnswer>('/v1/silences');
  const silences = result.ok ? [...result.data.silences].sort((a, b) => Date.parse(a.endsAt) - Date.parse(b.endsAt)) : [];
  return (
    <>
      <h1>Silences</h1>
      <p className="muted small">
        While a silence lasts, an anomaly matching every one of its matchers opens no incident and pages nobody. The detector still records
        it, and breakers still trip.
      </p>
      <Outcome params={params} />
      <h2>Live and scheduled</h2>
      {!result.ok ? (
        <ErrorState result={result} what="silences" />
      ) : silences.length === 0 ? (
        <EmptyState>No silence: every matching anomaly opens an incident.</EmptyState>
      ) : (
        <SilencesTable silences={silences} canExpire={canOperate(viewer)} locale={locale} nowMs={nowMs} />
      )}
      <h2>New silence</h2>
      {!canOperate(viewer) ? (
        <p className="state forbidden" data-state="forbidden">
          Silences are created by on-call and admins: your role ({roleText(viewer.role)}) can read them only.
        </p>
      ) : (
        <NewSilenceForm params={params} nowMs={nowMs} />
      )}
    </>
  );
}

/** Live and scheduled silences, soonest to end first; on-call and admins may expire one now. */
function SilencesTable({ silences, canExpire, locale, nowMs }: { silences: Silence[]; canExpire: boolean; locale: string; nowMs: number }) {
  return (
    <table data-testid="silences">
      <thead>
        <tr>
          <th>state</th>
          <th>matchers</th>
          <th>window (UTC)</th>
          <th>by</th>
          <th>reason</th>
          {canExpire && <th>end</th>}
        </tr>
      </thead>
      <tbody>
        {silences.map((silence) => {
          const active = Date.parse(silence.startsAt) <= nowMs;
          return (
            <tr key={silence.id} data-silence={silence.id}>
              <td>
                <span className={`badge ${active ? 'state-acknowledged' : ''}`}>{active ? 'active' : 'scheduled'}</span>
              </td>
              <td>
                {silence.matchers.map((matcher) => (
                  <div key={matcher}>
                    <code>{matcher}</code>
                  </div>
                ))}
              </td>
              <td className="small">
                {formatTime(silence.startsAt, locale)} → {formatTime(silence.endsAt, locale)}
                <div className="muted">
                  {active ? `ends ${formatUntil(silence.endsAt, nowMs, locale)}` : `starts ${formatUntil(silence.startsAt, nowMs, locale)}`}
                </div>
              </td>
              <td>{silence.author}</td>
              <td className="small">{silence.reason}</td>
              {canExpire && (
                <td>
                  <ConfirmForm
                    action="/silences/act"
                    label="Expire"
                    confirmLabel="Expire silence now"
                    askReason={false}
                    warning={`From now on, alerts matching ${silence.matchers.join(', ')} open incidents and page again.`}
                    fields={{ op: 'expire', id: silence.id }}
                  />
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Creates a silence: matchers, window and a comment, prefilled when it comes from an incident. */
function NewSilenceForm({ params, nowMs }: { params: PageParams; nowMs: number }) {
  const incident = typed(params, 'incident');
  return (
    <form method="post" action="/silences/act" className="stack" data-testid="new-silence">
      <input type="hidden" name="op" value="create" />
      {incident && (
        <p className="small">
          Prefilled from <Link href={`/incidents/${incident}`}>the incident</Link>: alerts of the same kind in the same scope.
          <input type="hidden" name="incident" value={incident} />
        </p>
      )}
      <label>
        Matchers, one per line: all must match
        <textarea
          name="matchers"
          required
          rows={3}
          defaultValue={typed(params, 'matchers')}
          placeholder={'kind="volume_spike"\ncountry="UZ"'}
          {...invalid(params, 'matchers')}
        />
        <span className="hint">
          Labels kind, severity, app, flow, country, provider, action; operators <code>=</code> <code>!=</code> <code>=~</code>{' '}
          <code>!~</code>, as in the routing files.
        </span>
        <FieldError params={params} field="matchers" />
      </label>
      <div className="row">
        <label>
          Starts (UTC)
          <input
            type="datetime-local"
            name="startsAt"
            defaultValue={typed(params, 'startsAt', utcInputValue(nowMs))}
            {...invalid(params, 'startsAt')}
          />
          <FieldError params={params} field="startsAt" />
        </label>
        <label>
          Ends (UTC), at most 7 days later
          <input
            type="datetime-local"
            name="endsAt"
            required
            defaultValue={typed(params, 'endsAt', utcInputValue(nowMs + DEFAULT_SILENCE_MS))}
            {...invalid(params, 'endsAt')}
          />
          <FieldError params={params} field="endsAt" />
        </label>
      </div>
      <label>
        Comment (shown beside every alert it mutes)
        <input name="reason" required maxLength={500} defaultValue={typed(params, 'reason')} {...invalid(params, 'reason')} />
        <FieldError params={params} field="reason" />
      </label>
      <button type="submit" className="primary">
        Create silence
      </button>
    </form>
  );
}
