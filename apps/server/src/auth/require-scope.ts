import type { FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError } from '../errors.ts';
import type { Socket } from 'node:net';
import { SESSION_KEY_PREFIX, sameInConstantTime, type Keyring, type Principal, type Scope } from '@tollgate/access';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The key a connection last authenticated with, and what it stood for at the keyring's generation then. */
interface RememberedKey {
  header: string;
  principal: Principal;
  generation: number;
}

const REMEMBERED_KEY = Symbol('tollgate.rememberedKey');
type KeyedSocket = Socket & { [REMEMBERED_KEY]?: RememberedKey };

/**
 * An onRequest hook that admits a request only with a key holding `scope`: 401 without a key or with
 * an unknown one, 403 with a key that lacks the scope. It runs before the body is read, inflated,
 * parsed or validated, so a caller without a key gets 401 whatever it sends and costs no parsing.
 * The key comes as `Bearer <key>`, or as the password of HTTP basic auth, which is how providers'
 * callback URLs carry credentials.
 *
 * A service sends the same key on every request of a kept-alive connection, so the connection
 * remembers the header it last authenticated and the principal it stood for: the next request
 * with the same header costs a comparison instead of a SHA-256. What is remembered holds only
 * while the keyring's generation stands still, so a revoked key is refused on its next request.
 * Dashboard sessions end without the keyring knowing (logout, expiry) and are never remembered.
 */
export function requireScope(keyring: Keyring, scope: Scope) {
  // A callback hook, not an async one: it runs on every request, and an async hook costs a promise.
  return function checkScope(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
    const header = request.headers.authorization;
    if (!header) return done(new TollgateError('TG_AUTH_MISSING'));
    const socket = request.raw.socket as KeyedSocket | null;
    const remembered = socket?.[REMEMBERED_KEY];
    let principal: Principal | null;
    if (remembered !== undefined && remembered.generation === keyring.generation && sameInConstantTime(remembered.header, header)) {
      principal = remembered.principal;
    } else {
      const token = tokenFrom(header);
      if (!token) return done(new TollgateError('TG_AUTH_MISSING', { message: 'Authorization header must be "Bearer <key>".' }));
      principal = keyring.authenticate(token);
      if (!principal) return done(new TollgateError('TG_AUTH_INVALID'));
      if (socket && !principal.keyId.startsWith(SESSION_KEY_PREFIX)) {
        socket[REMEMBERED_KEY] = { header, principal, generation: keyring.generation };
      }
    }
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
