import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireScope } from '../auth/require-scope.ts';
import {
  createLoginThrottle,
  DEFAULT_LOGIN_THROTTLE,
  ROLES,
  scopesOf,
  SESSION_KEY_PREFIX,
  MIN_PASSWORD_LENGTH,
  type Keyring,
  type LoginThrottle,
  type Role,
  type Sessions,
  type Users,
} from '@tollgate/access';
import { TollgateError } from '../errors.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';

const USER_NAME = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' } as const;
// scrypt's cost does not grow with length, but a megabyte password is not a password.
const PASSWORD = { type: 'string', minLength: 1, maxLength: 1024 } as const;

const WHO_AM_I = {
  type: 'object',
  required: ['kind', 'name', 'role', 'scopes', 'expires_at'],
  properties: {
    kind: { type: 'string', enum: ['session', 'api_key'] },
    name: { type: 'string' },
    role: { type: ['string', 'null'], enum: [...ROLES, null] },
    scopes: { type: 'array', items: { type: 'string' } },
    expires_at: { type: ['integer', 'null'] },
  },
} as const;

const USER_SUMMARY = {
  type: 'object',
  required: ['name', 'role', 'created_at', 'disabled'],
  properties: {
    name: { type: 'string' },
    role: { type: 'string' },
    created_at: { type: 'integer' },
    disabled: { type: 'boolean', description: 'Removed: cannot sign in.' },
  },
} as const;

// What a change to a user did to the people signed in as them.
const USER_CHANGED = {
  type: 'object',
  properties: {
    ...USER_SUMMARY.properties,
    sessions_ended: { type: 'integer', description: 'Sessions of this user signed out by the change.' },
  },
} as const;

const USER_PARAMS = { type: 'object', required: ['name'], properties: { name: USER_NAME } } as const;

/**
 * Sign-in for people (the dashboard): `POST /v1/sessions` trades a user name and password for a
 * session token that authenticates like an API key holding the role's scopes, `GET`/`DELETE
 * /v1/sessions/current` say who is signed in and sign out, and `/v1/users` lets admins add, change
 * and remove people. A session holds the role it was opened with, so changing a user's role or
 * password, or removing them, signs out their sessions.
 */
export async function sessionRoutes(
  app: FastifyInstance,
  opts: { keyring: Keyring; users: Users; sessions: Sessions; throttle?: LoginThrottle },
): Promise<void> {
  const routes: SessionRoutes = {
    users: opts.users,
    sessions: opts.sessions,
    throttle: opts.throttle ?? createLoginThrottle({ ...DEFAULT_LOGIN_THROTTLE, clock: Date.now }),
    read: requireScope(opts.keyring, 'read'),
    admin: requireScope(opts.keyring, 'admin'),
  };
  signInRoutes(app, routes);
  userRoutes(app, routes);
}

/** What the sign-in and user routes share. */
interface SessionRoutes {
  users: Users;
  sessions: Sessions;
  throttle: LoginThrottle;
  read: ReturnType<typeof requireScope>;
  admin: ReturnType<typeof requireScope>;
}

const sessionIdOf = (keyId: string) => (keyId.startsWith(SESSION_KEY_PREFIX) ? keyId.slice(SESSION_KEY_PREFIX.length) : null);
// An admin cannot lock themselves out from the dashboard they are using (an API key has no user).
const isCaller = (request: FastifyRequest, name: string) =>
  sessionIdOf(request.principal!.keyId) !== null && request.principal!.name === name;

/** Signing in and out of the dashboard, and who the caller is. */
function signInRoutes(app: FastifyInstance, routes: SessionRoutes): void {
  const { throttle, read } = routes;

  app.post<{ Body: { username: string; password: string } }>(
    '/v1/sessions',
    {
      schema: {
        summary: 'Sign in',
        tags: ['sessions'],
        description:
          'No key needed. Answers a session token (send it as `Authorization: Bearer <token>`) holding the scopes of the ' +
          "user's role: viewer and finance `read`, oncall `read` and `operate`, admin all. Until a user named `admin` " +
          'exists, `admin` signs in with the bootstrap admin key. Failed sign-ins are limited per user and address (429).',
        security: [],
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: USER_NAME, password: PASSWORD },
        },
        response: {
          201: {
            type: 'object',
            properties: { token: { type: 'string' }, expires_at: { type: 'integer' }, user: WHO_AM_I },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const waitS = throttle.retryAfterS(username, request.ip);
      if (waitS > 0) throw new TollgateError('TG_LOGIN_THROTTLED', { retryAfterS: waitS });
      const user = await routes.users.verify(username, password);
      if (!user) {
        throttle.recordFailure(username, request.ip);
        request.log.info({ user: username, ip: request.ip }, 'sign-in refused');
        throw new TollgateError('TG_LOGIN_INVALID');
      }
      throttle.recordSuccess(username);
      const { token, session } = await routes.sessions.open(user);
      request.log.info({ user: user.name, role: user.role, session: session.id }, 'signed in');
      return reply.status(201).send({
        token,
        expires_at: session.expiresAt,
        user: { kind: 'session', name: user.name, role: user.role, scopes: scopesOf(user.role), expires_at: session.expiresAt },
      });
    },
  );

  app.get(
    '/v1/sessions/current',
    {
      onRequest: read,
      schema: {
        summary: 'Who am I',
        tags: ['sessions'],
        description: "Scope `read`. The signed-in user and role, or the API key's name.",
        response: { 200: WHO_AM_I, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const session = routes.sessions.get(sessionIdOf(principal.keyId) ?? '');
      if (!session) return { kind: 'api_key', name: principal.name, role: null, scopes: principal.scopes, expires_at: null };
      return { kind: 'session', name: session.user.name, role: session.user.role, scopes: principal.scopes, expires_at: session.expiresAt };
    },
  );

  app.delete(
    '/v1/sessions/current',
    {
      onRequest: read,
      schema: {
        summary: 'Sign out',
        tags: ['sessions'],
        description: 'Scope `read`. Ends the session at once; 404 for an API key (revoke keys instead).',
        response: { 204: { type: 'null' }, 404: { $ref: 'ErrorBody#' }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const sessionId = sessionIdOf(request.principal!.keyId);
      if (sessionId === null || !(await routes.sessions.close(sessionId))) {
        throw new TollgateError('TG_NOT_FOUND', {
          message: 'This request is not signed in with a session: API keys are revoked with DELETE /v1/keys/:id.',
        });
      }
      return reply.status(204).send();
    },
  );
}

/** The dashboard's users (admin): list, add, change role or password, remove. */
function userRoutes(app: FastifyInstance, routes: SessionRoutes): void {
  const { admin } = routes;

  app.get(
    '/v1/users',
    {
      onRequest: admin,
      schema: {
        summary: 'List users',
        tags: ['admin'],
        description: 'Scope `admin`. Never their password hashes.',
        response: { 200: { type: 'array', items: USER_SUMMARY }, ...ERROR_RESPONSES },
      },
    },
    async () => routes.users.list(),
  );

  app.post<{ Body: { name: string; role: Role; password: string } }>(
    '/v1/users',
    {
      onRequest: admin,
      schema: {
        summary: 'Add a user or change one',
        tags: ['admin'],
        description: `Scope \`admin\`. Creates the user, or sets a new role and password for an existing name. Passwords have ${MIN_PASSWORD_LENGTH}+ characters.`,
        body: {
          type: 'object',
          required: ['name', 'role', 'password'],
          additionalProperties: false,
          properties: {
            name: USER_NAME,
            role: { type: 'string', enum: [...ROLES] },
            password: { ...PASSWORD, minLength: MIN_PASSWORD_LENGTH },
          },
        },
        response: { 201: USER_SUMMARY, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { name, role, password } = request.body;
      if (role !== 'admin' && isCaller(request, name)) {
        throw new TollgateError('TG_REQUEST_INVALID', {
          field: 'role',
          message: 'You cannot take away your own admin role: another admin must do it.',
        });
      }
      const existed = routes.users.list().some((user) => user.name === name);
      const user = await routes.users.put(name, role, password);
      const ended = existed ? await routes.sessions.closeAllOf(name) : 0;
      request.log.info({ user: name, role, by: request.principal!.name, sessionsEnded: ended }, 'user saved');
      return reply.status(201).send(user);
    },
  );

  app.patch<{ Params: { name: string }; Body: { role?: Role; password?: string } }>(
    '/v1/users/:name',
    {
      onRequest: admin,
      schema: {
        summary: "Change a user's role or password",
        tags: ['admin'],
        description:
          `Scope \`admin\`. Either or both; the user's sessions are signed out (a session holds the role it was opened with). Passwords have ${MIN_PASSWORD_LENGTH}+ characters. ` +
          'An admin signed in as this user cannot take away their own admin role. 404 for an unknown or removed user.',
        params: USER_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { role: { type: 'string', enum: [...ROLES] }, password: { ...PASSWORD, minLength: MIN_PASSWORD_LENGTH } },
        },
        response: { 200: USER_CHANGED, 404: { $ref: 'ErrorBody#' }, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { role, password } = request.body;
      if (role !== undefined && role !== 'admin' && isCaller(request, name)) {
        throw new TollgateError('TG_REQUEST_INVALID', {
          field: 'role',
          message: 'You cannot take away your own admin role: another admin must do it.',
        });
      }
      const user = await routes.users.update(name, {
        ...(role === undefined ? {} : { role }),
        ...(password === undefined ? {} : { password }),
      });
      if (!user) throw new TollgateError('TG_NOT_FOUND', { field: 'name', message: `No user "${name}": add one with POST /v1/users.` });
      const ended = await routes.sessions.closeAllOf(name);
      request.log.info(
        { user: name, role: user.role, password: password !== undefined, by: request.principal!.name, sessionsEnded: ended },
        'user changed',
      );
      return { ...user, sessions_ended: ended };
    },
  );

  app.delete<{ Params: { name: string } }>(
    '/v1/users/:name',
    {
      onRequest: admin,
      schema: {
        summary: 'Remove a user',
        tags: ['admin'],
        description:
          'Scope `admin`. The user can no longer sign in and their sessions end now; the row stays on record (listed as `disabled`), and ' +
          'POST /v1/users with the name brings them back with a new password. An admin cannot remove themselves. 404 for an unknown or removed user.',
        params: USER_PARAMS,
        response: { 200: USER_CHANGED, 404: { $ref: 'ErrorBody#' }, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { name } = request.params;
      if (isCaller(request, name))
        throw new TollgateError('TG_REQUEST_INVALID', { field: 'name', message: 'You cannot remove yourself: another admin must do it.' });
      const user = await routes.users.remove(name);
      if (!user) throw new TollgateError('TG_NOT_FOUND', { field: 'name', message: `No user "${name}" to remove.` });
      const ended = await routes.sessions.closeAllOf(name);
      request.log.info({ user: name, by: request.principal!.name, sessionsEnded: ended }, 'user removed');
      return { ...user, sessions_ended: ended };
    },
  );
}
