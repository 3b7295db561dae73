import { callApi } from '../../../../lib/api.ts';
import { backWithValues } from '../../../../lib/form-errors.ts';
import { mutate } from '../../../../lib/mutation.ts';
import { SCOPE_FIELDS, scopeFromForm } from '../../../../lib/planned.ts';
import { utcFromInput } from '../../../../lib/time-input.ts';

// What a refused declaration brings back, so the person fixes a field instead of typing it all again.
const FORM_FIELDS = ['kind', ...SCOPE_FIELDS, 'startsAt', 'endsAt', 'volumeMultiplier', 'owner', 'note'] as const;

/** Declare a planned event, or end one now, with the user's session; the API checks the role and every field. */
export async function POST(request: Request) {
  return mutate(request, async (token, form) => {
    const op = String(form.get('op') ?? '');
    if (op === 'create') {
      const owner = String(form.get('owner') ?? '');
      const multiplier = String(form.get('volumeMultiplier') ?? '').trim();
      const result = await callApi(token, '/v1/planned-events', {
        method: 'POST',
        body: {
          kind: String(form.get('kind') ?? ''),
          scope: scopeFromForm(form),
          startsAt: utcFromInput(String(form.get('startsAt') ?? '')),
          endsAt: utcFromInput(String(form.get('endsAt') ?? '')),
          // Not a number is sent as typed: the API names the field rather than the dashboard guessing.
          ...(multiplier === '' ? {} : { volumeMultiplier: Number.isFinite(Number(multiplier)) ? Number(multiplier) : multiplier }),
          ...(owner === '' ? {} : { owner }),
          note: String(form.get('note') ?? '').trim(),
        },
      });
      return { result, back: result.ok ? '/planned' : backWithValues('/planned', form, FORM_FIELDS), done: 'Planned event declared.' };
    }
    const id = String(form.get('id') ?? '');
    if (op !== 'end' || !/^plan_[0-9a-f-]{36}$/.test(id)) {
      return {
        result: { ok: false, status: 400, code: 'TG_REQUEST_INVALID', message: 'unknown planned event or action' },
        back: '/planned',
        done: '',
      };
    }
    const result = await callApi(token, `/v1/planned-events/${id}`, { method: 'DELETE' });
    return { result, back: '/planned', done: 'Planned event ended: its scope is judged against the usual volume again.' };
  });
}
