import { API_URL } from './api.ts';

/**
 * The values a request body field takes, read from the API's OpenAPI document (anomaly kinds,
 * planned event kinds, roles): the dashboard imports no domain package, and a form built from the
 * document never offers a value the API refuses. Empty when the document cannot be read; the form
 * then takes free text and the API's answer names the field.
 */
export async function bodyEnum(path: string, method: 'post' | 'patch', property: string): Promise<string[]> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walked by optional chaining; what it finds is checked below
    const doc = (await (await fetch(`${API_URL}/docs/json`, { cache: 'no-store' })).json()) as Record<string, any>;
    const values = doc.paths?.[path]?.[method]?.requestBody?.content?.['application/json']?.schema?.properties?.[property]?.enum;
    return Array.isArray(values) ? values.filter((value): value is string => typeof value === 'string') : [];
  } catch {
    return [];
  }
}
