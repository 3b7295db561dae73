import { api, canOperate, currentViewer } from '../../../lib/api.ts';
import { scopeText, type OwnersAnswer, type PlannedEvent, type PlannedEventsAnswer } from '../../../lib/api-types.ts';
import { invalid, typed, type PageParams } from '../../../lib/form-errors.ts';
import { formatTime, formatUntil } from '../../../lib/format.ts';
import { viewerLocale } from '../../../lib/locale.ts';
import { bodyEnum } from '../../../lib/openapi.ts';
import { plannedState, SCOPE_FIELDS } from '../../../lib/planned.ts';
import { utcInputValue } from '../../../lib/time-input.ts';
import { ConfirmForm } from '../../../components/confirm-form.tsx';
import { FieldError } from '../../../components/field-error.tsx';
import { Outcome } from '../../../components/outcome.tsx';
import { EmptyState, ErrorState } from '../../../components/states.tsx';
import { roleText } from '../../../lib/words.ts';

export const dynamic = 'force-dynamic';

const HOUR_MS = 3_600_000;
// A form opened now most often declares something starting soon and lasting a day.
const DEFAULT_START_IN_MS = HOUR_MS;
const DEFAULT_DURATION_MS = 24 * HOUR_MS;
const SCOPE_PLACEHOLDERS: Record<(typeof SCOPE_FIELDS)[number], string> = {
  country: 'BR',
  prefix: '+55 11',
  asn: '64500',
  app: 'shop',
  flow: 'signup',
  provider: 'twilio',
};

/**
 * Planned events: a campaign, launch, migration or holiday declared ahead of time, so the detector
 * expects its volume (and still judges conversion and cost), and its alerts go to a temporary owner.
 */
export default async function PlannedPage({ searchParams }: { searchParams: Promise<PageParams> }) {
  const [params, viewer, locale] = await Promise.all([searchParams, currentViewer(), viewerLocale()]);
  const nowMs = Date.now();
  const [result, owners, kinds] = await Promise.all([
    api<PlannedEventsAnswer>('/v1/planned-events'),
    api<OwnersAnswer>('/v1/owners?days=1'),
    bodyEnum('/v1/planned-events', 'post', 'kind'),
  ]);
  const ownerNames = owners.ok ? owners.data.owners.map((owner) => owner.owner) : [];
  return (
    <>
      <h1>Planned events</h1>
      <p className="muted small">
        Inside its scope and window the detector takes the declared volume as expected, while conversion, cost per verified user and
        sequential numbers are still judged: a campaign is no cover for pumping. Incidents opened inside it name it, and go to its temporary
        owner. Every event ends.
      </p>
      <Outcome params={params} />
      <h2>In effect and to come</h2>
      {!result.ok ? (
        <ErrorState result={result} what="planned events" />
      ) : result.data.events.length === 0 ? (
        <EmptyState>Nothing planned: every scope is judged against its usual volume.</EmptyState>
      ) : (
        <PlannedTable events={result.data.events} canEnd={canOperate(viewer)} locale={locale} nowMs={nowMs} />
      )}
      <h2>Declare a planned event</h2>
      {!canOperate(viewer) ? (
        <p className="state forbidden" data-state="forbidden">
          Planned events are declared by on-call and admins: your role ({roleText(viewer.role)}) can read them only.
        </p>
      ) : (
        <NewPlannedEventForm params={params} kinds={kinds} ownerNames={ownerNames} nowMs={nowMs} />
      )}
    </>
  );
}

/** Events in effect and to come, each with its window and owner; on-call and admins may end one now. */
function PlannedTable({ events, canEnd, locale, nowMs }: { events: PlannedEvent[]; canEnd: boolean; locale: string; nowMs: number }) {
  return (
    <table data-testid="planned-events">
      <thead>
        <tr>
          <th>kind</th>
          <th>scope</th>
          <th>window (UTC)</th>
          <th className="num">volume</th>
          <th>temporary owner</th>
          <th>note</th>
          {canEnd && <th>end</th>}
        </tr>
      </thead>
      <tbody>
        {events.map((event) => {
          const state = plannedState(event, nowMs);
          return (
            <tr key={event.id} data-planned={event.id} data-state={state}>
              <td>
                <strong>{event.kind}</strong> <span className={`badge ${state === 'in effect' ? 'state-acknowledged' : ''}`}>{state}</span>
              </td>
              <td>{scopeText(event.scope)}</td>
              <td className="small">
                {formatTime(event.startsAt, locale)} → {formatTime(event.endsAt, locale)}
                <div className="muted">
                  {state === 'scheduled'
                    ? `starts ${formatUntil(event.startsAt, nowMs, locale)}`
                    : `ends ${formatUntil(event.endsAt, nowMs, locale)}`}
                </div>
              </td>
              <td className="num">×{event.volumeMultiplier}</td>
              <td>{event.owner ?? <span className="muted">routing as usual</span>}</td>
              <td className="small">
                {event.note}
                <div className="muted">by {event.author}</div>
              </td>
              {canEnd && (
                <td>
                  <ConfirmForm
                    action="/planned/act"
                    label="End now"
                    confirmLabel="End planned event now"
                    askReason={false}
                    warning={`From now on ${scopeText(event.scope)} is judged against its usual volume, and its alerts route as usual.`}
                    fields={{ op: 'end', id: event.id }}
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

/** Declares a planned event: kind, expected volume, scope, window and an optional temporary owner. */
function NewPlannedEventForm({
  params,
  kinds,
  ownerNames,
  nowMs,
}: {
  params: PageParams;
  kinds: string[];
  ownerNames: string[];
  nowMs: number;
}) {
  return (
    <form method="post" action="/planned/act" className="stack" data-testid="new-planned-event">
      <input type="hidden" name="op" value="create" />
      <div className="row">
        <label>
          Kind
          {kinds.length > 0 ? (
            <select name="kind" defaultValue={typed(params, 'kind', kinds[0])} required {...invalid(params, 'kind')}>
              {kinds.map((kind) => (
                <option key={kind}>{kind}</option>
              ))}
            </select>
          ) : (
            <input name="kind" required defaultValue={typed(params, 'kind')} placeholder="campaign" {...invalid(params, 'kind')} />
          )}
          <FieldError params={params} field="kind" />
        </label>
        <label>
          Expected volume (× the usual)
          <input
            type="number"
            name="volumeMultiplier"
            min={1}
            step={0.1}
            defaultValue={typed(params, 'volumeMultiplier', '2')}
            {...invalid(params, 'volumeMultiplier')}
          />
          <FieldError params={params} field="volumeMultiplier" />
        </label>
      </div>
      <fieldset className="row" {...invalid(params, 'scope')}>
        <legend className="hint">Scope: at least one; all named ones must match</legend>
        {SCOPE_FIELDS.map((field) => (
          <label key={field}>
            {field}
            <input name={field} defaultValue={typed(params, field)} placeholder={SCOPE_PLACEHOLDERS[field]} size={8} />
          </label>
        ))}
        <FieldError params={params} field="scope" />
      </fieldset>
      <div className="row">
        <label>
          Starts (UTC)
          <input
            type="datetime-local"
            name="startsAt"
            required
            defaultValue={typed(params, 'startsAt', utcInputValue(nowMs + DEFAULT_START_IN_MS))}
            {...invalid(params, 'startsAt')}
          />
          <FieldError params={params} field="startsAt" />
        </label>
        <label>
          Ends (UTC), at most 30 days later
          <input
            type="datetime-local"
            name="endsAt"
            required
            defaultValue={typed(params, 'endsAt', utcInputValue(nowMs + DEFAULT_START_IN_MS + DEFAULT_DURATION_MS))}
            {...invalid(params, 'endsAt')}
          />
          <FieldError params={params} field="endsAt" />
        </label>
        <label>
          Temporary owner
          <select name="owner" defaultValue={typed(params, 'owner')} {...invalid(params, 'owner')}>
            <option value="">none: routing as usual</option>
            {ownerNames.map((owner) => (
              <option key={owner}>{owner}</option>
            ))}
          </select>
          <FieldError params={params} field="owner" />
        </label>
      </div>
      <label>
        Note (shown on every alert it explains)
        <textarea name="note" required maxLength={500} rows={2} defaultValue={typed(params, 'note')} {...invalid(params, 'note')} />
        <FieldError params={params} field="note" />
      </label>
      <button type="submit" className="primary">
        Declare
      </button>
    </form>
  );
}
