import { API_URL } from '../../../lib/api.ts';
import { crossSiteRefused, seeOther } from '../../../lib/respond.ts';
import { isSameOrigin } from '../../../lib/same-origin.ts';
import { safeNext } from '../../../lib/safe-next.ts';
import { isHttps, SESSION_COOKIE, sessionCookieOptions } from '../../../lib/session.ts';

/** The sign-in form: trades user name and password for an API session token kept in an httpOnly cookie. */
export async function POST(request: Request) {
  if (!isSameOrigin(request.headers, process.env.TOLLGATE_WEB_PUBLIC_URL)) return crossSiteRefused();
  const form = await request.formData();
  const next = safeNext(String(form.get('next') ?? '/'));
  const back = (error: string) => seeOther(`/login?error=${error}&next=${encodeURIComponent(next)}`);
  const forwardedFor = request.headers.get('x-forwarded-for');
  let res: Response;
  try {
    res = await fetch(`${API_URL}/v1/sessions`, {
      method: 'POST',
      // The API limits failed sign-ins per address too: it must see the browser's, not this server's.
      headers: { 'content-type': 'application/json', ...(forwardedFor && { 'x-forwarded-for': forwardedFor }) },
      body: JSON.stringify({ username: String(form.get('username') ?? ''), password: String(form.get('password') ?? '') }),
      cache: 'no-store',
    });
  } catch {
    return back('unreachable');
  }
  if (res.status === 429) return back('throttled');
  if (res.status !== 201) return back('invalid');
  const session = (await res.json()) as { token: string; expires_at: number };
  const response = seeOther(next);
  response.cookies.set(SESSION_COOKIE, session.token, sessionCookieOptions(session.expires_at, isHttps(request)));
  return response;
}
