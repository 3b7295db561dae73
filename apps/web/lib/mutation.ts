import type { ApiResult } from './api.ts';
import { encodeFieldErrors } from './form-errors.ts';
import { crossSiteRefused, seeOther } from './respond.ts';
import { isSameOrigin } from './same-origin.ts';
import { sessionToken } from './session.ts';

/**
 * The one way the dashboard changes anything: a same-origin form POST, carried to the API with the
 * user's own session (so the API's role check decides, not the dashboard), then back to `back`
 * with the outcome in the query (`done=`, or `error=` and a `fe=` per field the API refused) for
 * the page to show.
 */
export async function mutate(
  request: Request,
  run: (token: string, form: FormData) => Promise<{ result: ApiResult<unknown>; back: string; done: string }>,
) {
  if (!isSameOrigin(request.headers, process.env.TOLLGATE_WEB_PUBLIC_URL)) return crossSiteRefused();
  const token = await sessionToken();
  if (!token) return seeOther('/login');
  const { result, back, done } = await run(token, await request.formData());
  if (!result.ok && result.status === 401) return seeOther('/login?expired=1');
  const fieldErrors = result.ok ? '' : encodeFieldErrors(result.fields ?? []).toString();
  const outcome = result.ok
    ? `done=${encodeURIComponent(done)}`
    : `error=${encodeURIComponent(result.message)}&code=${encodeURIComponent(result.code)}${fieldErrors ? `&${fieldErrors}` : ''}`;
  return seeOther(`${back}${back.includes('?') ? '&' : '?'}${outcome}`);
}
