import { NextResponse } from 'next/server';
import { callApi } from '../../../../lib/api.ts';
import { crossSiteRefused } from '../../../../lib/respond.ts';
import { isSameOrigin } from '../../../../lib/same-origin.ts';
import { sessionToken } from '../../../../lib/session.ts';
import { utcFromInput } from '../../../../lib/time-input.ts';

/**
 * The Policy page's replay: the draft and the range, carried to the API with the user's own session
 * (the API's scope check decides who may), answered as JSON for the page to draw. Nothing is saved,
 * so this is not a mutation and answers in place instead of redirecting.
 */
export async function POST(request: Request) {
  if (!isSameOrigin(request.headers, process.env.TOLLGATE_WEB_PUBLIC_URL)) return crossSiteRefused();
  const token = await sessionToken();
  if (!token)
    return NextResponse.json(
      { ok: false, status: 401, code: 'TG_AUTH_MISSING', message: 'Your session ended: sign in again.' },
      { status: 401 },
    );
  const form = await request.formData();
  const result = await callApi(token, '/v1/policy/backtest', {
    method: 'POST',
    body: {
      policy: String(form.get('policy') ?? ''),
      from: utcFromInput(String(form.get('from') ?? '')),
      to: utcFromInput(String(form.get('to') ?? '')),
    },
  });
  return NextResponse.json(result, { status: result.ok ? 200 : result.status || 502 });
}
