import { SCOPE_KEYS, type Scope } from './scope.ts';

/** The catalogue's code for a scope that cannot be used: the breakers' and the planned events' APIs answer it alike. */
export interface ScopeError {
  code: 'TG_BREAKER_SCOPE_INVALID';
  /** Names the field and the fix. */
  message: string;
}

/** ISO 3166-1 alpha-2, plus the events package's "XX" for non-geographic numbers. */
const COUNTRY_PATTERN = /^[A-Z]{2}$/;
/** The events package's prefix convention: "+<1-3 digit calling code> <3 national digits>". */
const PREFIX_PATTERN = /^\+[1-9]\d{0,2} \d{3}$/;
/** ASNs are 32-bit since RFC 6793; 0 is reserved (RFC 7607) and means "unknown" in the store. */
const MAX_ASN = 0xffff_ffff;

/**
 * Why a scope cannot be used for a breaker, or undefined when it can. An empty scope is refused:
 * it would stop every send of every app, which is an outage, not a breaker.
 */
export function checkScope(scope: Scope): ScopeError | undefined {
  const problems: string[] = [];
  const present = SCOPE_KEYS.filter((key) => scope[key] !== undefined);
  if (present.length === 0) {
    problems.push('names no app, flow, country, prefix, asn or provider (a breaker must not stop all traffic)');
  }
  for (const key of ['app', 'flow', 'provider'] as const) {
    if (scope[key] === '') problems.push(`${key} is empty (omit it to match any ${key})`);
  }
  if (scope.country !== undefined && !COUNTRY_PATTERN.test(scope.country)) {
    problems.push(`country "${scope.country}" is not an ISO 3166-1 alpha-2 code (e.g. "GB")`);
  }
  if (scope.prefix !== undefined && !PREFIX_PATTERN.test(scope.prefix)) {
    problems.push(`prefix "${scope.prefix}" is not "+<calling code> <3 national digits>" (e.g. "+44 740")`);
  }
  if (scope.asn !== undefined && !(Number.isInteger(scope.asn) && scope.asn > 0 && scope.asn <= MAX_ASN)) {
    problems.push(`asn ${scope.asn} is not an AS number (an integer from 1 to ${MAX_ASN})`);
  }
  if (problems.length === 0) return undefined;
  return { code: 'TG_BREAKER_SCOPE_INVALID', message: `scope ${problems.join('; ')}` };
}
