import { cookies } from 'next/headers';

/** The cookie that holds the API session token; httpOnly so page scripts never see the token. */
export const SESSION_COOKIE = 'tg_session';

export async function sessionToken(): Promise<string | undefined> {
  return (await cookies()).get(SESSION_COOKIE)?.value;
}

/** Cookie attributes: httpOnly, SameSite=Strict, Secure when the dashboard is served over HTTPS. */
export function sessionCookieOptions(expiresAtMs: number, secure: boolean) {
  return { httpOnly: true, sameSite: 'strict' as const, secure, path: '/', expires: new Date(expiresAtMs) };
}

/** Served over HTTPS, directly or behind a proxy that says so. */
export function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https';
}
