import { NextResponse } from 'next/server';
import { callApi } from '../../../../lib/api.ts';
import { loadDashboard } from '../../../../lib/dashboards.ts';
import { panelRequest, panelRows } from '../../../../lib/panels.ts';
import { sessionToken } from '../../../../lib/session.ts';

/**
 * The rows of a deferred panel, for the browser: the panel's query with the user's session, shaped
 * as the page would. A read: no state changes, so no same-origin check is needed (SameSite=Strict
 * keeps the cookie off cross-site requests anyway).
 */
export async function GET(_request: Request, { params }: { params: Promise<{ page: string; id: string }> }) {
  const { page, id } = await params;
  const token = await sessionToken();
  if (!token) return NextResponse.json({ ok: false, status: 401, code: 'TG_AUTH_MISSING', message: 'Sign in again.' }, { status: 401 });
  const dashboard = /^[a-z0-9-]+$/.test(page) ? await loadDashboard(page) : { ok: false as const, error: 'no such page' };
  const panel = dashboard.ok ? dashboard.dashboard.panels.find((p) => p.id === id) : undefined;
  if (!panel)
    return NextResponse.json({ ok: false, status: 404, code: 'TG_NOT_FOUND', message: `No panel ${page}/${id}.` }, { status: 404 });
  const result = await callApi<unknown>(token, panelRequest(panel, Date.now()));
  if (!result.ok) return NextResponse.json(result, { status: result.status || 502 });
  return NextResponse.json({ ok: true, rows: panelRows(panel, result.data) }, { headers: { 'cache-control': 'no-store' } });
}
