/**
 * What one Tollgate process does, from `TOLLGATE_ROLES` (default: everything). Ingest and decide
 * are stateless over the store and scale out behind a load balancer; detect and notify keep state
 * in memory (baselines, incident timing) and run as one active instance. A load balancer sends
 * each path to the nodes that serve it (ROLE_PATHS; docs/scaling.md has the layout).
 */
export const NODE_ROLES = ['ingest', 'decide', 'detect', 'notify', 'web'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

/** The API paths each role serves (`/healthz`, `/readyz`, `/metrics` and `/docs` are on every node). */
export const ROLE_PATHS: Readonly<Record<NodeRole, readonly string[]>> = {
  ingest: ['/v1/events/', '/v1/imports/', '/v1/providers/'],
  decide: ['/v1/decide', '/twilio/', '/vonage/'],
  detect: [],
  notify: ['/v1/incidents', '/v1/silences', '/v1/rules', '/v1/owners', '/v1/planned-events'],
  web: [
    '/v1/metrics/',
    '/v1/anomalies',
    '/v1/spend',
    '/v1/breakers',
    '/v1/webhooks',
    '/v1/keys',
    '/v1/sessions',
    '/v1/users',
    '/v1/policy/',
  ],
};

export type RolesResult = { ok: true; roles: ReadonlySet<NodeRole> } | { ok: false; error: string };

export function parseRoles(value: string | undefined): RolesResult {
  if (value === undefined || value.trim() === '' || value.trim() === 'all') return { ok: true, roles: new Set(NODE_ROLES) };
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !(NODE_ROLES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    return {
      ok: false,
      error: `TOLLGATE_ROLES has unknown role(s) ${unknown.map((n) => `"${n}"`).join(', ')}: use a comma-separated list of ${NODE_ROLES.join(', ')} (or leave it unset for all)`,
    };
  }
  return { ok: true, roles: new Set(names as NodeRole[]) };
}

export function rolesFromEnv(env: NodeJS.ProcessEnv): ReadonlySet<NodeRole> {
  const parsed = parseRoles(env.TOLLGATE_ROLES);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.roles;
}

/** The role that serves a path, when it is a role's path (undefined for ops and unknown paths). */
export function roleOfPath(path: string): NodeRole | undefined {
  return NODE_ROLES.find((role) =>
    ROLE_PATHS[role].some((prefix) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`)),
  );
}
