/**
 * What a scope is: the slice of traffic (app, flow, country, number prefix, network, provider) that
 * a breaker covers, an anomaly is attributed to and an incident or planned event is about. The
 * detector, the breakers and alert routing all speak of traffic in these words.
 */

/**
 * Which traffic a breaker covers: every key present must equal the request's value, absent keys
 * match anything. `prefix` follows the events package's convention: "+<calling code> <first 3
 * national digits>", e.g. "+44 740"; `country` is ISO 3166-1 alpha-2.
 */
export interface Scope {
  app?: string;
  flow?: string;
  country?: string;
  prefix?: string;
  asn?: number;
  provider?: string;
}

export type ScopeKey = keyof Scope;

/** Every scope key, in the order descriptions and audit notes list them. */
export const SCOPE_KEYS: readonly ScopeKey[] = ['app', 'flow', 'country', 'prefix', 'asn', 'provider'];

/** "app=shop prefix=+44 740": a scope as people read it in audit entries, reasons and pages. */
export function describeScope(scope: Scope): string {
  const parts = SCOPE_KEYS.filter((key) => scope[key] !== undefined).map((key) => `${key}=${scope[key]}`);
  return parts.length === 0 ? 'all traffic' : parts.join(' ');
}

/** What the decision path knows about a send, as far as scopes go. */
export interface ScopeAttributes {
  app: string;
  flow: string;
  country: string;
  prefix: string;
  asn: number;
  /** Unknown when the service has not picked its provider yet: provider-scoped breakers then do not apply. */
  provider?: string;
}

/** True when every key the scope names has the request's value; keys the scope omits match anything. */
export function scopeCovers(scope: Scope, request: ScopeAttributes): boolean {
  return (
    (scope.app === undefined || scope.app === request.app) &&
    (scope.flow === undefined || scope.flow === request.flow) &&
    (scope.country === undefined || scope.country === request.country) &&
    (scope.prefix === undefined || scope.prefix === request.prefix) &&
    (scope.asn === undefined || scope.asn === request.asn) &&
    (scope.provider === undefined || scope.provider === request.provider)
  );
}
