/**
 * Who the caller says it is, read from its Authorization header without judging it: the provider
 * checks the secret. Tollgate only needs the identity to find the app, and never keeps the header.
 */
export type CallerCredentials = { kind: 'basic'; user: string } | { kind: 'bearer'; applicationId: string | undefined } | { kind: 'none' };

export function readCredentials(authorization: string | undefined): CallerCredentials {
  if (authorization === undefined) return { kind: 'none' };
  const space = authorization.indexOf(' ');
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon > 0 ? { kind: 'basic', user: decoded.slice(0, colon) } : { kind: 'none' };
  }
  if (scheme === 'bearer') return { kind: 'bearer', applicationId: jwtClaim(value, 'application_id') };
  return { kind: 'none' };
}

/** A string claim of a JWT's payload, unverified (the provider verifies the signature). */
function jwtClaim(token: string, claim: string): string | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))[claim];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
