import { SCOPES, type Scope } from './scopes.ts';

/** What a person signed in to the dashboard may do; each role stands for a set of API scopes. */
export const ROLES = ['viewer', 'finance', 'oncall', 'admin'] as const;
export type Role = (typeof ROLES)[number];

// finance reads like a viewer (spend pages are reads); only on-call and admins change breakers
// and incidents (operate). People never get ingest or decide through a role but admins, who hold all.
const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  viewer: ['read'],
  finance: ['read'],
  oncall: ['read', 'operate'],
  admin: SCOPES,
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function scopesOf(role: Role): readonly Scope[] {
  return ROLE_SCOPES[role];
}
