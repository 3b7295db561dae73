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
    // A user without a secret is no credential at all: every provider refuses it.
    return colon > 0 && colon < decoded.length - 1 ? { kind: 'basic', user: decoded.slice(0, colon) } : { kind: 'none' };
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

/** The user of Twilio's basic auth: an account SID or an API key SID (two letters, 32 hex digits). */
const TWILIO_USER = /^(AC|SK)[0-9a-f]{32}$/i;

/**
 * Why these credentials cannot be the provider's, judged by their shape alone, or undefined when
 * they could be. Only the provider can tell a right secret from a wrong one; a request whose
 * credentials could never pass is refused before it is decided, so it spends none of the app's
 * velocity budget (a well-formed wrong secret still does: the provider refuses it after).
 */
export function credentialsProblem(provider: 'twilio' | 'vonage', credentials: CallerCredentials): string | undefined {
  if (provider === 'twilio' && credentials.kind === 'basic' && !TWILIO_USER.test(credentials.user))
    return 'Twilio credentials start with your account SID (AC...) or an API key SID (SK...), 34 characters, then the auth token or key secret.';
  return undefined;
}
