/**
 * The server's field errors, carried from a refused form post back to the form: which field, and
 * why, so the person fixes that field instead of reading a paragraph. The API names the first
 * field in `error.field` and, for forms that can be wrong in several places, lists every problem
 * in `error.details`, as `"field: reason"` strings (silences) or `{ field, reason }` (planned events).
 */
export interface FieldError {
  field: string;
  reason: string;
}

/** Every field error an API error body holds, first field first, each once. */
export function fieldErrorsOf(error: { field?: string; message?: string; details?: unknown } | undefined): FieldError[] {
  if (!error) return [];
  const listed = Array.isArray(error.details) ? error.details.flatMap(detailOf) : [];
  const errors = listed.length > 0 ? listed : error.field ? [{ field: error.field, reason: error.message ?? '' }] : [];
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}:${e.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function detailOf(detail: unknown): FieldError[] {
  if (typeof detail === 'string') {
    const match = /^([A-Za-z_][\w.[\]]*):\s*(.+)$/s.exec(detail);
    return match ? [{ field: match[1]!, reason: match[2]! }] : [];
  }
  if (detail !== null && typeof detail === 'object') {
    const { field, reason } = detail as Record<string, unknown>;
    if (typeof field === 'string' && typeof reason === 'string') return [{ field, reason }];
  }
  return [];
}

/** The query parameter a field error travels in (`fe=endsAt:a silence lasts at most 7 days`). */
export const FIELD_ERROR_PARAM = 'fe';

export function encodeFieldErrors(errors: FieldError[]): URLSearchParams {
  return new URLSearchParams(errors.map((e): [string, string] => [FIELD_ERROR_PARAM, `${e.field}:${e.reason}`]));
}

/**
 * The reasons for one form field among the carried errors: the field itself and anything under it
 * (`scope` covers `scope.country`; `matchers` covers `matchers[2]`).
 */
export function reasonsFor(param: string | string[] | undefined, field: string): string[] {
  const values = param === undefined ? [] : Array.isArray(param) ? param : [param];
  return values.flatMap((value) => {
    const at = value.indexOf(':');
    if (at < 0) return [];
    const name = value.slice(0, at);
    const covered = name === field || name.startsWith(`${field}.`) || name.startsWith(`${field}[`);
    return covered ? [value.slice(at + 1)] : [];
  });
}

/**
 * Where a refused form goes back to: its page with what was typed (never a password), so the
 * person corrects a field rather than filling the form again.
 */
export function backWithValues(path: string, form: FormData, names: readonly string[]): string {
  const values = new URLSearchParams();
  for (const name of names) {
    const value = form.get(name);
    if (typeof value === 'string' && value !== '') values.set(name, value);
  }
  const query = values.toString();
  return query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path;
}

/** A page's query parameters as Next.js passes them: a repeated name is an array. */
export type PageParams = Record<string, string | string[] | undefined>;

/** A form value carried back after a refusal (see backWithValues), or the default. */
export function typed(params: PageParams, name: string, fallback = ''): string {
  const value = params[name];
  return typeof value === 'string' ? value : fallback;
}

/** Marks a field the last post was refused for, for screen readers and the eye. */
export function invalid(params: PageParams, field: string): { 'aria-invalid'?: true } {
  return reasonsFor(params[FIELD_ERROR_PARAM], field).length > 0 ? { 'aria-invalid': true } : {};
}
