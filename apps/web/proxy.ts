import { NextResponse, type NextRequest } from 'next/server';
import { SESSION_COOKIE } from './lib/session.ts';

/**
 * Without a session cookie, any page sends the browser to sign in and back: a Slack or PagerDuty
 * link to /incidents/:id lands on that incident once signed in. Whether the token is still valid is
 * the API's call, checked by the page itself.
 */
export function proxy(request: NextRequest) {
  if (request.cookies.has(SESSION_COOKIE)) return NextResponse.next();
  const next = `${request.nextUrl.pathname}${request.nextUrl.search}`;
  return NextResponse.redirect(new URL(`/login?next=${encodeURIComponent(next)}`, request.url));
}

export const config = {
  // The icon is public: the sign-in page shows it too.
  matcher: ['/((?!login|auth/|_next/|favicon.ico|icon.svg).*)'],
};
