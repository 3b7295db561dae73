/** What an API key may do. The bootstrap admin key holds all of them. */
export const SCOPES = ['ingest', 'decide', 'operate', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
