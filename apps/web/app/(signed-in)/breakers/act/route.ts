import { callApi, type ApiResult } from '../../../../lib/api.ts';
import { backWithValues } from '../../../../lib/form-errors.ts';
import { mutate } from '../../../../lib/mutation.ts';
import { parsePrefix } from '../../../../lib/prefix.ts';
import { safeNext } from '../../../../lib/safe-next.ts';

const SCOPE_FIELDS = ['country', 'prefix', 'asn', 'app'] as const;
/** What a refused new breaker brings back to its form (the confirmation box is ticked again by hand). */
const CREATE_FIELDS = [...SCOPE_FIELDS, 'action', 'mode', 'reason', 'expires_in_h'] as const;
const HOUR_S = 3_600;

/** `expires_in_h` of a form: hours from now, "never" for no expiry, absent to keep the default. */
function expiresInS(form: FormData): number | null | undefined {
  const value = String(form.get('expires_in_h') ?? '');
  if (value === '') return undefined;
  if (value === 'never') return null;
  const hours = Number(value);
  return Number.isFinite(hours) && hours > 0 ? Math.round(hours * HOUR_S) : undefined;
}

const refused = (field: string, reason: string): ApiResult<never> => ({
  ok: false,
  status: 400,
  code: 'TG_BREAKER_SCOPE_INVALID',
  message: `${field}: ${reason}`,
  fields: [{ field: `scope.${field}`, reason }],
});

/**
 * Trip, reset, extend or create a breaker with the user's session; the version read on the page
 * guards against a concurrent change (409). `back` brings the person back where they acted (the
 * incident page or the breakers page); a refused new breaker comes back with what was typed.
 */
export async function POST(request: Request) {
  return mutate(request, async (token, form) => {
    const op = String(form.get('op') ?? '');
    const note = String(form.get('reason') ?? '').trim();
    const from = form.get('back') ? safeNext(String(form.get('back'))) : undefined;
    if (op === 'create') {
      const scope: Record<string, string | number> = {};
      for (const field of SCOPE_FIELDS) {
        const value = String(form.get(field) ?? '').trim();
        if (!value) continue;
        if (field === 'prefix') {
          const parsed = parsePrefix(value);
          if (!parsed.ok)
            return { result: refused('prefix', parsed.reason), back: backWithValues(from ?? '/breakers', form, CREATE_FIELDS), done: '' };
          scope.prefix = parsed.prefix;
        } else scope[field] = field === 'asn' ? Number(value) : field === 'country' ? value.toUpperCase() : value;
      }
      const expires = expiresInS(form);
      const result = await callApi<{ id: string }>(token, '/v1/breakers', {
        method: 'POST',
        body: {
          scope,
          action: String(form.get('action') ?? 'block'),
          mode: String(form.get('mode') ?? 'enforce'),
          note,
          ...(typeof expires === 'number' && { expires_in_s: expires }),
        },
      });
      const back = result.ok ? (from ?? `/breakers?id=${result.data.id}`) : backWithValues(from ?? '/breakers', form, CREATE_FIELDS);
      return { result, back, done: 'Breaker tripped.' };
    }
    const id = String(form.get('id') ?? '');
    const back = from ?? `/breakers?id=${encodeURIComponent(id)}`;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id) || !['trip', 'reset', 'extend'].includes(op)) {
      return {
        result: { ok: false, status: 400, code: 'TG_REQUEST_INVALID', message: 'unknown breaker or action' },
        back: '/breakers',
        done: '',
      };
    }
    const expires = expiresInS(form);
    const body =
      op === 'extend'
        ? { note, expires_in_s: expires ?? null }
        : { note, ...(op === 'trip' && typeof expires === 'number' && { expires_in_s: expires }) };
    const result = await callApi(token, `/v1/breakers/${id}/${op}`, {
      method: 'POST',
      body,
      headers: { 'if-match': `"${String(form.get('version') ?? '')}"` },
    });
    const done =
      op === 'trip'
        ? 'Breaker tripped.'
        : op === 'reset'
          ? 'Breaker reset.'
          : expires
            ? 'Breaker expiry moved.'
            : 'Breaker no longer expires.';
    return { result, back, done };
  });
}
