import { NextResponse } from 'next/server';

/** A 303 to a path on this site: after a POST the browser GETs the page again (no resubmit on reload). */
export function seeOther(path: string): NextResponse {
  return new NextResponse(null, { status: 303, headers: { location: path } });
}

/** What a cross-site POST gets: nothing done, and a reason a developer can act on. */
export function crossSiteRefused(): NextResponse {
  return NextResponse.json(
    { error: { code: 'TG_CSRF', message: 'Cross-site request refused: this form must be posted from the dashboard itself.' } },
    { status: 403 },
  );
}
