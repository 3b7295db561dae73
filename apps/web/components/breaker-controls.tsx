import type { Breaker } from '../lib/api-types.ts';
import { formatAge, formatDuration, formatPercent, formatTime, formatUntil } from '../lib/format.ts';
import { placeText } from '../lib/words.ts';
import { ConfirmForm } from './confirm-form.tsx';

/** The expiries offered when tripping or extending by hand, in hours ("never": until reset). */
const EXPIRY_CHOICES = [
  { value: '1', label: '1 hour' },
  { value: '6', label: '6 hours' },
  { value: '24', label: '24 hours' },
  { value: '168', label: '7 days' },
  { value: 'never', label: 'no expiry (until reset)' },
];

/**
 * A breaker's clock, as on-call needs it: since when it blocks, when it lets probes through
 * (half-open), when it closes by itself.
 */
export function BreakerTimes({ breaker, locale, nowMs }: { breaker: Breaker; locale: string; nowMs: number }) {
  return (
    <dl className="facts small" data-testid="breaker-times">
      {breaker.opened_at !== null && breaker.state !== 'closed' && (
        <>
          <dt>open since</dt>
          <dd>
            {formatTime(breaker.opened_at, locale)} UTC ({formatAge(breaker.opened_at, nowMs, locale)})
          </dd>
        </>
      )}
      <dt>cooldown</dt>
      <dd data-field="cooldown">
        {formatDuration(breaker.cooldown_s * 1000, locale)}
        {breaker.reopen_count > 0 && <> (doubled {breaker.reopen_count}× after failed probes)</>}
      </dd>
      {breaker.state === 'open' && breaker.half_open_at !== null && (
        <>
          <dt>half-open</dt>
          <dd data-field="half-open">
            {formatTime(breaker.half_open_at, locale)} UTC ({formatUntil(breaker.half_open_at, nowMs, locale)}): then{' '}
            {formatPercent(breaker.probe_share, locale)} of sends probe whether the attack is over
          </dd>
        </>
      )}
      {breaker.state === 'half_open' && (
        <>
          <dt>half-open</dt>
          <dd data-field="half-open">now: {formatPercent(breaker.probe_share, locale)} of sends probe whether the attack is over</dd>
        </>
      )}
      <dt>expires</dt>
      <dd data-field="expires">
        {breaker.expires_at === null
          ? 'never: stays until reset'
          : `${formatTime(breaker.expires_at, locale)} UTC (${formatUntil(breaker.expires_at, nowMs, locale)})`}
      </dd>
    </dl>
  );
}

/** Reset, trip again, and move the expiry: each confirmed with the reason that goes into the audit log. */
export function BreakerActions({ breaker, back, locale }: { breaker: Breaker; back: string; locale: string }) {
  const where = placeText(breaker.scope, locale);
  const fields = { id: breaker.id, version: String(breaker.version), back };
  if (breaker.state === 'closed') {
    return (
      <div className="actions">
        <ConfirmForm
          action="/breakers/act"
          label="Trip"
          confirmLabel="Trip breaker"
          danger
          warning={`Tripping ${breaker.action}s every send to ${where} that asks the decision API, at once.`}
          fields={{ ...fields, op: 'trip' }}
        >
          <ExpirySelect defaultValue="6" />
        </ConfirmForm>
      </div>
    );
  }
  return (
    <div className="actions">
      <ConfirmForm
        action="/breakers/act"
        label="Reset"
        confirmLabel="Reset breaker"
        warning={`Resetting lets sends to ${where} through again at once.`}
        fields={{ ...fields, op: 'reset' }}
      />
      <ConfirmForm
        action="/breakers/act"
        label="Extend"
        confirmLabel="Set expiry"
        warning={`The breaker on ${where} keeps ${breaker.action === 'block' ? 'blocking' : `answering ${breaker.action}`} until the new expiry, counted from now.`}
        fields={{ ...fields, op: 'extend' }}
      >
        <ExpirySelect defaultValue="24" />
      </ConfirmForm>
    </div>
  );
}

export function ExpirySelect({ defaultValue, name = 'expires_in_h' }: { defaultValue: string; name?: string }) {
  return (
    <label>
      Expires after
      <select name={name} defaultValue={defaultValue}>
        {EXPIRY_CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}
