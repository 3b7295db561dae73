import type { FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError } from '../errors.ts';
import { SESSION_KEY_PREFIX, type Keyring, type Principal, type Scope } from '@tollgate/access';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * An onRequest hook that admits a request only with a key holding `scope`: 401 without a key or with
 * an unknown one, 403 with a key that lacks the scope. It runs before the body is read, inflated,
 * parsed or validated, so a caller without a key gets 401 whatever it sends and costs no parsing.
 * The key comes as `Bearer <key>`, or as the password of HTTP basic auth, which is how providers'
 * callback URLs carry credentials.
 */
export function requireScope(keyring: Keyring, scope: Scope) {
  // A callback hook, not an async one: it runs on every request, and an async hook costs a promise.
  return function checkScope(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
    const header = request.headers.authorization;
    if (!header) return done(new TollgateError('TG_AUTH_MISSING'));
    const token = tokenFrom(header);
    if (!token) return done(new TollgateError('TG_AUTH_MISSING', { message: 'Authorization header must be "Bearer <key>".' }));
    const principal = keyring.authenticate(token);
    if (!principal) return done(new TollgateError('TG_AUTH_INVALID'));
    if (!principal.scopes.includes(scope)) {
      return done(
        new TollgateError('TG_AUTH_SCOPE', {
          message: `${principal.keyId.startsWith(SESSION_KEY_PREFIX) ? 'Your role' : 'This API key'} lacks the "${scope}" scope this route needs.`,
        }),
      );
    }
    request.principal = principal;
    done();
  };
}

function tokenFrom(header: string): string | null {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : null;
}
