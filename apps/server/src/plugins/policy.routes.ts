import type { FastifyInstance } from 'fastify';
import { parseBreakerPolicy, backtestPolicy, type PolicyBacktestGroup } from '@tollgate/breakers';
import type { Store } from '@tollgate/store';
import { requireScope } from '../auth/require-scope.ts';
import type { Keyring } from '@tollgate/access';
import type { Identity } from '@tollgate/core';
import { TollgateError } from '../errors.ts';
import { ERROR_RESPONSES } from './ingest-response.schema.ts';
import { parseTime } from './traffic.routes.ts';

const HOUR_MS = 3_600_000;
/**
 * A replay runs in the request and costs about a second of CPU per 10,000 sends here: two days of
 * a busy deployment is the longest a person waits for on a page; the CLI has no limit.
 */
const MAX_RANGE_MS = 48 * HOUR_MS;
const DEFAULT_RANGE_MS = 24 * HOUR_MS;
/** A policy file is a few kilobytes; this is generous and still bounds the parse. */
const MAX_POLICY_LENGTH = 256 * 1024;
/** The name parse errors point at: the draft has no file. */
const DRAFT_FILE = 'draft';

const GROUP_SCHEMA = {
  type: 'object',
  required: [
    'app',
    'flow',
    'sessions',
    'allowed',
    'challenged',
    'blocked',
    'verified',
    'sends',
    'spend_usd',
    'spend_stopped_usd',
    'spend_challenged_usd',
  ],
  properties: {
    app: { type: 'string' },
    flow: { type: 'string' },
    sessions: { type: 'integer' },
    allowed: { type: 'integer' },
    challenged: { type: 'integer' },
    blocked: { type: 'integer' },
    verified: {
      type: 'object',
      required: ['allowed', 'challenged', 'blocked'],
      properties: { allowed: { type: 'integer' }, challenged: { type: 'integer' }, blocked: { type: 'integer' } },
    },
    sends: { type: 'integer' },
    spend_usd: { type: 'number' },
    spend_stopped_usd: { type: 'number' },
    spend_challenged_usd: { type: 'number' },
  },
} as const;

interface BacktestBody {
  policy: string;
  from?: string;
  to?: string;
}

/**
 * `POST /v1/policy/backtest`: what a draft breaker policy would have done to stored history, for
 * the dashboard's Policy page (the same replay as `tollgate backtest --policy FILE`). Replays run
 * one at a time: each takes a core for seconds, and the decision path must keep the other.
 */
export async function policyRoutes(
  app: FastifyInstance,
  opts: { store: Store; keyring: Keyring; identity: Identity; clock?: () => number },
): Promise<void> {
  const clock = opts.clock ?? Date.now;
  let queue: Promise<unknown> = Promise.resolve();
  app.post<{ Body: BacktestBody }>(
    '/v1/policy/backtest',
    {
      onRequest: requireScope(opts.keyring, 'operate'),
      schema: {
        summary: 'Replay stored history through a draft policy',
        tags: ['decisions'],
        description:
          'Scope `operate` (on-call and admins). `policy`: the text of a breaker policy file (alert-rules/breaker-policy.yaml). ' +
          'Replays the sends of the range (default: the last 24 hours; at most 48 hours) through the decision path that policy ' +
          'describes (velocity and account limits, risk score and tiers, the breakers as they stood) and reports, per app and flow, ' +
          'sessions allowed, challenged and blocked, how many of each later verified (legitimate users who would have met ' +
          'friction), and the spend that would have been stopped. A policy with mistakes is refused with each mistake and its line.',
        body: {
          type: 'object',
          required: ['policy'],
          additionalProperties: false,
          properties: {
            policy: { type: 'string', minLength: 1, maxLength: MAX_POLICY_LENGTH },
            from: { type: 'string', description: 'Start (inclusive), ISO-8601 or epoch ms.' },
            to: { type: 'string', description: 'End (exclusive), ISO-8601 or epoch ms.' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'groups', 'total'],
            properties: {
              from: { type: 'string' },
              to: { type: 'string' },
              groups: { type: 'array', items: GROUP_SCHEMA },
              total: GROUP_SCHEMA,
            },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const { body } = request;
      const toMs = body.to === undefined ? clock() : parseTime(body.to, 'to');
      const fromMs = body.from === undefined ? toMs - DEFAULT_RANGE_MS : parseTime(body.from, 'from');
      if (fromMs >= toMs) throw new TollgateError('TG_REQUEST_INVALID', { field: 'from', message: '"from" must be before "to".' });
      if (toMs - fromMs > MAX_RANGE_MS) {
        throw new TollgateError('TG_REQUEST_INVALID', {
          field: 'from',
          message: 'The range is longer than 48 hours: ask for a shorter one, or use `tollgate backtest --policy`.',
        });
      }
      const parsed = parseBreakerPolicy(body.policy, DRAFT_FILE);
      if (!parsed.ok) {
        throw new TollgateError('TG_REQUEST_INVALID', {
          field: 'policy',
          message: `The policy has ${parsed.errors.length} mistake(s): ${parsed.errors.map((e) => `line ${e.line} ${e.path}: ${e.message}`).join('; ')}`,
          details: { errors: parsed.errors.map(({ line, path, message }) => ({ line, path, message })) },
        });
      }
      const run = queue.then(() => backtestPolicy({ store: opts.store, identity: opts.identity, policy: parsed.policy, fromMs, toMs }));
      queue = run.catch(() => undefined);
      const report = await run;
      return {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        groups: report.groups.map(wireGroup),
        total: wireGroup(report.total),
      };
    },
  );
}

function wireGroup(group: PolicyBacktestGroup) {
  const { spendUsd, spendStoppedUsd, spendChallengedUsd, ...counts } = group;
  return { ...counts, spend_usd: spendUsd, spend_stopped_usd: spendStoppedUsd, spend_challenged_usd: spendChallengedUsd };
}
