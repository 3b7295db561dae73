import { callApi } from '../../../../lib/api.ts';
import { backWithValues } from '../../../../lib/form-errors.ts';
import { mutate } from '../../../../lib/mutation.ts';

// The API's user name rule: checked here too, since the name goes into the request path.
const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
// A refused "add user" form comes back with these; never the password.
const FORM_FIELDS = ['name', 'role'] as const;

/** Add a user, change a role or a password, or remove a user, with the admin's own session. */
export async function POST(request: Request) {
  return mutate(request, async (token, form) => {
    const op = String(form.get('op') ?? '');
    const name = String(form.get('name') ?? '').trim();
    const role = String(form.get('role') ?? '');
    const password = String(form.get('password') ?? '');
    if (op === 'create') {
      const result = await callApi(token, '/v1/users', { method: 'POST', body: { name, role, password } });
      return { result, back: result.ok ? '/users' : backWithValues('/users', form, FORM_FIELDS), done: `${name} can sign in as ${role}.` };
    }
    if (!USER_NAME.test(name) || !['role', 'password', 'remove'].includes(op)) {
      return {
        result: { ok: false, status: 400, code: 'TG_REQUEST_INVALID', message: 'unknown user or action' },
        back: '/users',
        done: '',
      };
    }
    const path = `/v1/users/${name}`;
    const result =
      op === 'remove'
        ? await callApi(token, path, { method: 'DELETE' })
        : await callApi(token, path, { method: 'PATCH', body: op === 'role' ? { role } : { password } });
    const done =
      op === 'remove'
        ? `${name} removed and signed out.`
        : op === 'role'
          ? `${name} is now ${role}, and signed out.`
          : `New password set for ${name}, who is signed out.`;
    return { result, back: '/users', done };
  });
}
