import { callApi } from '../../../../lib/api.ts';
import { mutate } from '../../../../lib/mutation.ts';

const SCOPE_FIELDS = ['country', 'prefix', 'asn', 'app'] as const;

/** Trip, reset or create a breaker with the user's session; the version read on the page guards against a concurrent change (409). */
export async function POST(request: Request) {
  return mutate(request, async (token, form) => {
    const op = String(form.get('op') ?? '');
    const note = String(form.get('reason') ?? '').trim();
    if (op === 'create') {
      const scope: Record<string, string | number> = {};
      for (const field of SCOPE_FIELDS) {
        const value = String(form.get(field) ?? '').trim();
        if (value) scope[field] = field === 'asn' ? Number(value) : value;
      }
      const result = await callApi<{ id: string }>(token, '/v1/breakers', {
        method: 'POST',
        body: { scope, action: String(form.get('action') ?? 'block'), mode: String(form.get('mode') ?? 'enforce'), note },
      });
      return { result, back: result.ok ? `/breakers?id=${result.data.id}` : '/breakers', done: 'Breaker tripped.' };
    }
    const id = String(form.get('id') ?? '');
    const back = `/breakers?id=${encodeURIComponent(id)}`;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id) || (op !== 'trip' && op !== 'reset')) {
      return { result: { ok: false, status: 400, code: 'TG_REQUEST_INVALID', message: 'unknown breaker or action' }, back: '/breakers', done: '' };
    }
    const result = await callApi(token, `/v1/breakers/${id}/${op}`, { method: 'POST', body: { note }, headers: { 'if-match': `"${String(form.get('version') ?? '')}"` } });
    return { result, back, done: op === 'trip' ? 'Breaker tripped.' : 'Breaker reset.' };
  });
}
