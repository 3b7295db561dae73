import { cache } from 'react';
import { redirect } from 'next/navigation';
import type { Viewer } from './api-types.ts';
import { fieldErrorsOf, type FieldError } from './form-errors.ts';
import { sessionToken } from './session.ts';

/** Where the Tollgate API answers; the dashboard reads nothing else. */
export const API_URL = (process.env.TOLLGATE_API_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');

/** `fields`: what the API said is wrong with which field of the request, for forms to show beside it. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; status: number; code: string; message: string; fields?: FieldError[] };

/**
 * A call to the API with a session token. Failures are values (the page shows them honestly);
 * status 0 means the API did not answer at all.
 */
export async function callApi<T>(
  token: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(`${API_URL}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...init.headers,
        authorization: `Bearer ${token}`,
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: 'no-store',
    });
  } catch {
    return { ok: false, status: 0, code: 'TG_API_UNREACHABLE', message: `The Tollgate API at ${API_URL} does not answer.` };
  }
  if (res.status === 204) return { ok: true, data: undefined as T };
  const body = (await res.json().catch(() => null)) as {
    error?: { code?: string; message?: string; field?: string; details?: unknown };
  } | null;
  if (res.ok) return { ok: true, data: body as T };
  return {
    ok: false,
    status: res.status,
    code: body?.error?.code ?? `HTTP_${res.status}`,
    message: body?.error?.message ?? `The API answered ${res.status}.`,
    fields: fieldErrorsOf(body?.error),
  };
}

/** For pages: the signed-in user's call; an absent or expired session goes to the sign-in page. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<ApiResult<T>> {
  const result = init.method === undefined || init.method === 'GET' ? await getOnce(path) : await call(path, init);
  return result as ApiResult<T>;
}

async function call(path: string, init: { method?: string; body?: unknown }): Promise<ApiResult<unknown>> {
  const token = await sessionToken();
  if (!token) redirect('/login');
  const result = await callApi<unknown>(token, path, init);
  if (!result.ok && result.status === 401) redirect('/login?expired=1');
  return result;
}

// Panels of one page often read the same answer (the spend report feeds several): one GET per
// render, shared.
const getOnce = cache((path: string) => call(path, {}));

/** Who is signed in, asked once per request; what the UI offers follows the scopes the API reports. */
export const currentViewer = cache(async (): Promise<Viewer> => {
  const result = await api<Viewer>('/v1/sessions/current');
  if (!result.ok) redirect('/login');
  return result.data;
});

export function canOperate(viewer: Viewer): boolean {
  return viewer.scopes.includes('operate');
}

/** Manages users and keys; the API refuses anyone else (403) whatever the page shows. */
export function isAdmin(viewer: Viewer): boolean {
  return viewer.scopes.includes('admin');
}
