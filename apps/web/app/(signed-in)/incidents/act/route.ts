import { callApi } from '../../../../lib/api.ts';
import { mutate } from '../../../../lib/mutation.ts';
import { safeNext } from '../../../../lib/safe-next.ts';

const OPS = {
  acknowledge: { body: () => ({}), done: 'Acknowledged.' },
  resolve: { body: (form: FormData) => (form.get('reason') ? { reason: String(form.get('reason')) } : {}), done: 'Resolved.' },
  notes: { body: (form: FormData) => ({ text: String(form.get('text') ?? '') }), done: 'Note added.' },
  reassign: {
    body: (form: FormData) => ({ owner: String(form.get('owner') ?? ''), reason: String(form.get('reason') ?? '') }),
    done: 'Reassigned.',
  },
} as const;

/** Acknowledge, resolve, annotate or reassign an incident with the user's session; the API decides whether the role may. */
export async function POST(request: Request) {
  return mutate(request, async (token, form) => {
    const id = String(form.get('id') ?? '');
    const op = String(form.get('op') ?? '') as keyof typeof OPS;
    const back = safeNext(String(form.get('back') ?? `/incidents/${id}`));
    if (!/^inc_[0-9a-f]{16}$/.test(id) || !(op in OPS)) {
      return { result: { ok: false, status: 400, code: 'TG_REQUEST_INVALID', message: 'unknown incident or action' }, back, done: '' };
    }
    const result = await callApi(token, `/v1/incidents/${id}/${op}`, { method: 'POST', body: OPS[op].body(form) });
    return { result, back, done: OPS[op].done };
  });
}
