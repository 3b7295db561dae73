import { callApi } from '../../../../lib/api.ts';
import { backWithValues } from '../../../../lib/form-errors.ts';
import { mutate } from '../../../../lib/mutation.ts';
import { matchersFromText } from '../../../../lib/silences.ts';
import { utcFromInput } from '../../../../lib/time-input.ts';

// What a refused silence form brings back, so the person fixes a field instead of typing it all again.
const FORM_FIELDS = ['matchers', 'reason', 'startsAt', 'endsAt', 'incident'] as const;

/** Create a silence, or expire one now, with the user's session; the API checks the role and every field. */
export async function POST(request: Request) {
  return mutate(request, async (token, form) => {
    const op = String(form.get('op') ?? '');
    if (op === 'create') {
      const startsAt = utcFromInput(String(form.get('startsAt') ?? ''));
      const result = await callApi(token, '/v1/silences', {
        method: 'POST',
        body: {
          matchers: matchersFromText(String(form.get('matchers') ?? '')),
          reason: String(form.get('reason') ?? '').trim(),
          ...(startsAt === '' ? {} : { startsAt }),
          endsAt: utcFromInput(String(form.get('endsAt') ?? '')),
        },
      });
      return { result, back: result.ok ? '/silences' : backWithValues('/silences', form, FORM_FIELDS), done: 'Silence created.' };
    }
    const id = String(form.get('id') ?? '');
    if (op !== 'expire' || !/^sil_[0-9a-f-]{36}$/.test(id)) {
      return {
        result: { ok: false, status: 400, code: 'TG_REQUEST_INVALID', message: 'unknown silence or action' },
        back: '/silences',
        done: '',
      };
    }
    const result = await callApi(token, `/v1/silences/${id}`, { method: 'DELETE' });
    return { result, back: '/silences', done: 'Silence expired: matching alerts open incidents again.' };
  });
}
