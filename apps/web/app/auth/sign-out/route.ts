import { callApi } from '../../../lib/api.ts';
import { crossSiteRefused, seeOther } from '../../../lib/respond.ts';
import { isSameOrigin } from '../../../lib/same-origin.ts';
import { sessionToken, SESSION_COOKIE } from '../../../lib/session.ts';

/** Ends the API session (so the token is dead everywhere, not only forgotten here) and clears the cookie. */
export async function POST(request: Request) {
  if (!isSameOrigin(request.headers, process.env.TOLLGATE_WEB_PUBLIC_URL)) return crossSiteRefused();
  const token = await sessionToken();
  if (token) await callApi(token, '/v1/sessions/current', { method: 'DELETE' });
  const response = seeOther('/login');
  response.cookies.delete(SESSION_COOKIE);
  return response;
}
