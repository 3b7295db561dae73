import { invalid, typed, type PageParams } from '../lib/form-errors.ts';
import { ExpirySelect } from './breaker-controls.tsx';
import { FieldError } from './field-error.tsx';

/**
 * Trip a new breaker by hand: from the breakers page, or from an incident with its scope filled in
 * (`defaults`). A refused form comes back with what was typed (`params`) and the reason beside the
 * field that caused it.
 */
export function NewBreakerForm({
  params,
  defaults = {},
  back,
}: {
  params: PageParams;
  defaults?: Record<string, string | undefined>;
  back?: string;
}) {
  const value = (name: string, fallback = '') => typed(params, name, defaults[name] ?? fallback);
  return (
    <form method="post" action="/breakers/act" className="filters" data-testid="new-breaker">
      <input type="hidden" name="op" value="create" />
      {back && <input type="hidden" name="back" value={back} />}
      <label>
        Country
        <input
          name="country"
          placeholder="UZ"
          pattern="[A-Za-z]{2}"
          size={4}
          defaultValue={value('country')}
          {...invalid(params, 'scope.country')}
        />
        <FieldError params={params} field="scope.country" />
      </label>
      <label>
        Prefix
        <input name="prefix" placeholder="+998 901" size={10} defaultValue={value('prefix')} {...invalid(params, 'scope.prefix')} />
        <span className="hint">calling code and 3 digits</span>
        <FieldError params={params} field="scope.prefix" />
      </label>
      <label>
        ASN
        <input name="asn" placeholder="64500" pattern="[0-9]+" size={8} defaultValue={value('asn')} />
      </label>
      <label>
        App
        <input name="app" placeholder="any" size={10} defaultValue={value('app')} />
      </label>
      <label>
        Action
        <select name="action" defaultValue={value('action', 'block')}>
          <option value="block">block</option>
          <option value="challenge">challenge</option>
        </select>
      </label>
      <label>
        Mode
        <select name="mode" defaultValue={value('mode', 'enforce')}>
          <option value="enforce">enforce</option>
          <option value="shadow">shadow (record only)</option>
        </select>
      </label>
      <ExpirySelect defaultValue={value('expires_in_h', '6')} />
      <label>
        Reason
        <input name="reason" required maxLength={500} defaultValue={value('reason')} />
      </label>
      <label style={{ flexDirection: 'row', alignItems: 'center', gap: '.3rem' }}>
        <input type="checkbox" name="confirm" required /> I confirm: this stops matching sends now
      </label>
      <button type="submit" className="danger">
        Trip
      </button>
    </form>
  );
}
