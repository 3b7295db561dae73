import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_EVENTS, SEND_EVENT_SCHEMA, VERIFY_EVENT_SCHEMA } from '@tollgate/events';
import { eventCounts } from '@tollgate/store';
import type { Scope } from '@tollgate/access';
import type { ErrorCode } from '../src/errors.ts';
import { openTestServer, type TestServer } from './support/test-server.ts';
import { T0, ndjson, sendEvent, verifyEvent } from '@tollgate/events/testing';
import { billingEvent, receiptEvent } from './fixtures/wire-events.fixture.ts';
import {
  corruptGzip,
  csvFixture,
  gzipBomb,
  nestedArrays,
  nestedObjects,
  oversizedBatch,
  oversizedCsv,
  paddedBatch,
  TEN_MIB,
  truncatedGzip,
} from './fixtures/malformed-bodies.fixture.ts';

/**
 * Malformed input against every route that reads one: each case names the answer it must get,
 * never a 500 and never a hang, and nothing stored beyond the lines it accepts.
 */

let server: TestServer;

beforeAll(async () => {
  // Per-line answers from a worker thread (TOLLGATE_INGEST_WORKERS=1) are those of the event loop.
  server = await openTestServer('bad-input', { ingestWorkers: 1 });
});
afterAll(() => server.close());

// Generous for a slow CI box; a parser that walks a gzip bomb or a deep nesting takes far longer, or forever.
const REQUEST_DEADLINE_MS = 10_000;

const JSON_TYPE = 'application/json';
const NDJSON = 'application/x-ndjson';
const CSV = 'text/csv';
const FORM = 'application/x-www-form-urlencoded';

type Rejected = [line: number, field: unknown][];

type Want =
  { status: 200; accepted: number; rejected?: Rejected } | { status: number; code: ErrorCode; field?: string; rejected?: Rejected };

interface BadInput {
  name: string;
  url: string;
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** A function builds a large body only when its case runs. */
  body?: string | Buffer | (() => string | Buffer);
  /** Content-Type; JSON when there is a body, none when null. */
  type?: string | null;
  encoding?: string;
  scope?: Scope;
  want: Want;
}

const accepted = (count: number, ...rejected: Rejected): Want => ({ status: 200, accepted: count, rejected });
const invalid = (...rejected: Rejected): Want => ({ status: 400, code: 'TG_EVENT_INVALID', rejected });
const refused = (status: number, code: ErrorCode, field?: string): Want => ({ status, code, field });
const line = (n: number, ...fields: unknown[]): Rejected => fields.map((field) => [n, field]);

// Ids must not repeat across cases: a repeated event_id would count as a duplicate, not as accepted.
let nextId = 1_000;
const id = () => nextId++;
const json = (...events: unknown[]) => JSON.stringify(events);
const lines = (...texts: string[]) => texts.join('\n');

/** The path a too-deep value is reported at: the field, then array indexes down to the depth limit. */
const nestedPath = (field: string) => expect.stringMatching(new RegExp(`^${field}(\\.(0|a))+$`));

function omit(event: Record<string, unknown>, field: string): Record<string, unknown> {
  const { [field]: _dropped, ...rest } = event;
  return rest;
}

async function storedEvents(): Promise<number> {
  const counts = await eventCounts(server.core.store);
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

function rejectionsOf(body: { rejected?: unknown; error?: { details?: { rejected?: unknown } } }) {
  return (body.rejected ?? body.error?.details?.rejected ?? []) as { line: number; field: string; reason: string }[];
}

async function expectAnswer(input: BadInput): Promise<void> {
  const payload = typeof input.body === 'function' ? input.body() : input.body;
  const headers: Record<string, string> = { ...server.auth(input.scope ?? 'ingest') };
  if (payload !== undefined && input.type !== null) headers['content-type'] = input.type ?? JSON_TYPE;
  if (input.encoding !== undefined) headers['content-encoding'] = input.encoding;
  const before = await storedEvents();
  let deadline: NodeJS.Timeout | undefined;
  const res = await Promise.race([
    server.app.inject({ method: input.method ?? 'POST', url: input.url, payload, headers }),
    new Promise<never>((_, reject) => {
      deadline = setTimeout(
        () =>
          reject(
            new Error(
              `${input.method ?? 'POST'} ${input.url} got no answer within ${REQUEST_DEADLINE_MS} ms: bad input must be answered, not hang`,
            ),
          ),
        REQUEST_DEADLINE_MS,
      );
    }),
  ]).finally(() => clearTimeout(deadline));

  const { want } = input;
  expect(res.statusCode).toBeLessThan(500);
  const body = res.json();
  expect({ status: res.statusCode, code: body.error?.code }).toEqual({ status: want.status, code: 'code' in want ? want.code : undefined });
  if ('field' in want && want.field !== undefined) expect(body.error.field).toBe(want.field);
  if ('accepted' in want) expect(body.accepted).toBe(want.accepted);
  if (want.rejected !== undefined) {
    const rejections = rejectionsOf(body);
    expect(rejections.map((r) => [r.line, r.field])).toEqual(want.rejected);
    for (const r of rejections) expect(r.reason.length).toBeGreaterThan(10);
  }
  expect((await storedEvents()) - before).toBe('accepted' in want ? want.accepted : 0);
}

describe('event batches that are not batches of events', () => {
  const truncatedLast = JSON.stringify(sendEvent(id())).slice(0, 60);
  it.each<BadInput>([
    { name: 'text that is not JSON at all', url: '/v1/events/send', body: 'hello, collector', want: invalid([0, '']) },
    { name: 'text that is not JSON, as NDJSON', url: '/v1/events/send', body: 'hello, collector', type: NDJSON, want: invalid([1, '']) },
    { name: 'a JSON number', url: '/v1/events/send', body: '42', want: invalid([0, '']) },
    { name: 'JSON null', url: '/v1/events/send', body: 'null', want: invalid([0, '']) },
    { name: 'a JSON string', url: '/v1/events/verify', body: '"send-1"', want: invalid([0, '']) },
    {
      name: 'an array of non-objects',
      url: '/v1/events/send',
      body: '[1, null, [], "x", true]',
      want: invalid(...line(1, ''), ...line(2, ''), ...line(3, ''), ...line(4, ''), ...line(5, '')),
    },
    {
      name: 'an object of the wrong shape',
      url: '/v1/events/send',
      body: '{"hello": "world"}',
      want: invalid(...line(1, ...SEND_EVENT_SCHEMA.required)),
    },
    {
      name: 'a verify batch of the wrong shape',
      url: '/v1/events/verify',
      body: '[{"id": 1}]',
      want: invalid(...line(1, ...VERIFY_EVENT_SCHEMA.required)),
    },
    {
      name: 'an NDJSON line that is an array',
      url: '/v1/events/send',
      body: lines(JSON.stringify(sendEvent(id())), '[]'),
      type: NDJSON,
      want: accepted(1, [2, '']),
    },
    {
      name: 'NDJSON whose last line is cut mid-object',
      url: '/v1/events/send',
      body: lines(JSON.stringify(sendEvent(id())), JSON.stringify(sendEvent(id())), truncatedLast),
      type: NDJSON,
      want: accepted(2, [3, '']),
    },
    { name: 'NDJSON whose only line is cut mid-object', url: '/v1/events/send', body: truncatedLast, type: NDJSON, want: invalid([1, '']) },
    {
      name: 'a JSON array cut mid-object (one document: nothing to salvage)',
      url: '/v1/events/send',
      body: json(sendEvent(id()), sendEvent(id())).slice(0, -30),
      want: invalid([0, '']),
    },
    { name: 'an empty JSON body', url: '/v1/events/send', body: '', want: refused(400, 'TG_BATCH_EMPTY') },
    { name: 'an empty NDJSON body', url: '/v1/events/verify', body: '', type: NDJSON, want: refused(400, 'TG_BATCH_EMPTY') },
    { name: 'a body of blank lines', url: '/v1/events/send', body: '\n  \n\r\n', type: NDJSON, want: refused(400, 'TG_BATCH_EMPTY') },
    { name: 'no body at all', url: '/v1/events/billing', want: refused(400, 'TG_BATCH_EMPTY') },
    { name: 'an empty JSON array', url: '/v1/events/send', body: '[]', want: refused(400, 'TG_BATCH_EMPTY') },
    { name: 'an empty JSON array of receipts', url: '/v1/events/receipt', body: '[]', want: refused(400, 'TG_BATCH_EMPTY') },
  ])('$name', expectAnswer);
});

describe('events with bad fields: each rejection names its line and field', () => {
  it.each<BadInput>([
    { name: 'cost as a string', url: '/v1/events/send', body: json(sendEvent(id(), { cost: '0.04' })), want: invalid([1, 'cost']) },
    { name: 'a negative cost', url: '/v1/events/send', body: json(sendEvent(id(), { cost: -0.04 })), want: invalid([1, 'cost']) },
    {
      name: 'success as "yes"',
      url: '/v1/events/verify',
      body: json(verifyEvent(id(), true, { success: 'yes' })),
      want: invalid([1, 'success']),
    },
    {
      name: 'ts as an object',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { ts: { iso: '2026-11-20T10:00:00Z' } })),
      want: invalid([1, 'ts']),
    },
    {
      name: 'ts in epoch seconds',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { ts: Math.floor(T0 / 1000) })),
      want: invalid([1, 'ts']),
    },
    {
      name: 'ts without a zone',
      url: '/v1/events/verify',
      body: json(verifyEvent(id(), true, { ts: '2026-11-20 10:00:00' })),
      want: invalid([1, 'ts']),
    },
    { name: 'an unknown flow', url: '/v1/events/send', body: json(sendEvent(id(), { flow: 'checkout' })), want: invalid([1, 'flow']) },
    {
      name: 'event_id as a number',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { event_id: 12345 })),
      want: invalid([1, 'event_id']),
    },
    { name: 'app as an array', url: '/v1/events/send', body: json(sendEvent(id(), { app: ['shop'] })), want: invalid([1, 'app']) },
    { name: 'asn as a fraction', url: '/v1/events/send', body: json(sendEvent(id(), { asn: 1.5 })), want: invalid([1, 'asn']) },
    {
      name: 'an address that is not an IP',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { ip: '999.1.1.1' })),
      want: invalid([1, 'ip']),
    },
    {
      name: 'an unknown currency',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { currency: 'XYZ' })),
      want: invalid([1, 'currency']),
    },
    {
      name: 'two bad fields in one event',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { flow: 'checkout', cost: 'free' })),
      want: invalid(...line(1, 'flow', 'cost')),
    },
    { name: 'a missing event_id', url: '/v1/events/send', body: json(omit(sendEvent(id()), 'event_id')), want: invalid([1, 'event_id']) },
    { name: 'a missing cost', url: '/v1/events/send', body: json(omit(sendEvent(id()), 'cost')), want: invalid([1, 'cost']) },
    {
      name: 'a missing success',
      url: '/v1/events/verify',
      body: json(omit(verifyEvent(id(), true), 'success')),
      want: invalid([1, 'success']),
    },
    {
      name: 'a billing line without country',
      url: '/v1/events/billing',
      body: json(omit(billingEvent(`SMb${id()}`), 'country')),
      want: invalid([1, 'country']),
    },
    {
      name: 'a billing line with fractional segments',
      url: '/v1/events/billing',
      body: json(billingEvent(`SMb${id()}`, { segments: 1.5 })),
      want: invalid([1, 'segments']),
    },
    {
      name: 'a receipt without message_id',
      url: '/v1/events/receipt',
      body: json(omit(receiptEvent('x'), 'message_id')),
      want: invalid([1, 'message_id']),
    },
    {
      name: 'a receipt with an unknown status',
      url: '/v1/events/receipt',
      body: json(receiptEvent(`SMr${id()}`, { status: 'read' })),
      want: invalid([1, 'status']),
    },
    {
      name: 'a phone with spaces',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { phone: '+44 7400 110000' })),
      want: invalid([1, 'phone']),
    },
    {
      name: 'a phone without "+"',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { phone: '447400110000' })),
      want: invalid([1, 'phone']),
    },
    {
      name: 'a phone too short for its country',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { phone: '+447400' })),
      want: invalid([1, 'phone']),
    },
    {
      name: 'a phone on an unassigned calling code',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { phone: '+99912345678' })),
      want: invalid([1, 'phone']),
    },
    {
      name: 'a phone as a number',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { phone: 447400110000 })),
      want: invalid([1, 'phone']),
    },
    {
      name: 'an invalid optional phone on a verify',
      url: '/v1/events/verify',
      body: json(verifyEvent(id(), true, { phone: '+44 12' })),
      want: invalid([1, 'phone']),
    },
    {
      name: 'an invalid optional phone on a receipt',
      url: '/v1/events/receipt',
      body: json(receiptEvent(`SMr${id()}`, { phone: '0044' })),
      want: invalid([1, 'phone']),
    },
    { name: 'an unknown country', url: '/v1/events/send', body: json(sendEvent(id(), { country: 'QQ' })), want: invalid([1, 'country']) },
    { name: 'a lower-case country', url: '/v1/events/send', body: json(sendEvent(id(), { country: 'gb' })), want: invalid([1, 'country']) },
    {
      name: 'a country that does not match the number',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { country: 'FR' })),
      want: invalid([1, 'country']),
    },
    {
      name: 'an unknown billing country',
      url: '/v1/events/billing',
      body: json(billingEvent(`SMb${id()}`, { country: 'QQ' })),
      want: invalid([1, 'country']),
    },
    {
      name: 'a mixed batch: the good lines are stored, each bad one named',
      url: '/v1/events/send',
      body: json(sendEvent(id()), sendEvent(id(), { phone: '+44 12' }), sendEvent(id()), sendEvent(id(), { cost: '1' })),
      want: accepted(2, [2, 'phone'], [4, 'cost']),
    },
  ])('$name', expectAnswer);
});

describe('unicode and control characters', () => {
  const shop = '🛒 магазин 商店 متجر';
  it.each<BadInput>([
    {
      name: 'an app name with emoji and non-Latin scripts is accepted',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { app: shop, session_id: 'unicode-1' })),
      want: accepted(1),
    },
    {
      name: 'the same app name is accepted on a verify, as NDJSON',
      url: '/v1/events/verify',
      body: ndjson([verifyEvent(id(), true, { app: shop, session_id: 'unicode-1' })]),
      type: NDJSON,
      want: accepted(1),
    },
    {
      name: 'an app of 64 emoji is accepted (lengths count characters, not UTF-16 units)',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { app: '🛒'.repeat(64) })),
      want: accepted(1),
    },
    {
      name: 'an app of 65 emoji is too long',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { app: '🛒'.repeat(65) })),
      want: invalid([1, 'app']),
    },
    {
      name: 'NUL in event_id',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { event_id: 'send\u0000-nul' })),
      want: invalid([1, 'event_id']),
    },
    { name: 'BEL in app', url: '/v1/events/send', body: json(sendEvent(id(), { app: 'shop\u0007' })), want: invalid([1, 'app']) },
    {
      name: 'a C1 control (NEL) in session_id',
      url: '/v1/events/send',
      body: json(sendEvent(id(), { session_id: 'sess\u0085' })),
      want: invalid([1, 'session_id']),
    },
    {
      name: 'DEL in a verify app, as NDJSON',
      url: '/v1/events/verify',
      body: ndjson([verifyEvent(id(), true, { app: 'shop\u007f' })]),
      type: NDJSON,
      want: invalid([1, 'app']),
    },
    {
      name: 'a newline escaped inside a receipt message_id',
      url: '/v1/events/receipt',
      body: json(receiptEvent('SM\nline')),
      want: invalid([1, 'message_id']),
    },
    {
      name: 'a raw NUL byte inside a JSON string (not JSON)',
      url: '/v1/events/send',
      body: `{"event_id":"a\u0000b"}`,
      type: NDJSON,
      want: invalid([1, '']),
    },
    {
      name: 'a control character sinks only its own line',
      url: '/v1/events/send',
      body: json(sendEvent(id()), sendEvent(id(), { app: 'shop\u0007' })),
      want: accepted(1, [2, 'app']),
    },
  ])('$name', expectAnswer);

  it('serves the unicode app names back through the query API', async () => {
    for (const app of [shop, '🛒'.repeat(64)]) {
      const query = new URLSearchParams({ from: String(T0 - 3_600_000), to: String(T0 + 3_600_000), interval: '1h', app });
      const res = await server.app.inject({ method: 'GET', url: `/v1/metrics/traffic?${query}`, headers: server.auth('read') });
      expect(res.statusCode).toBe(200);
      expect(res.json().series[0].points[0]).toMatchObject({ sends: 1 });
    }
  });
});

describe('sizes, encodings and content types', () => {
  const oneSend = () => json(sendEvent(id()));
  it.each<BadInput>([
    {
      name: 'a 10 MB JSON body',
      url: '/v1/events/send',
      body: () => paddedBatch(sendEvent(id()), TEN_MIB),
      want: refused(413, 'TG_BODY_TOO_LARGE'),
    },
    {
      name: 'a 10 MB NDJSON body',
      url: '/v1/events/verify',
      body: () => 'x'.repeat(TEN_MIB),
      type: NDJSON,
      want: refused(413, 'TG_BODY_TOO_LARGE'),
    },
    {
      name: 'a 10 MB CSV import',
      url: '/v1/imports/billing',
      body: () => 'x'.repeat(TEN_MIB),
      type: CSV,
      want: refused(413, 'TG_BODY_TOO_LARGE'),
    },
    {
      name: 'a 10 MB Twilio callback',
      url: '/v1/providers/twilio/status',
      body: () => `MessageSid=${'x'.repeat(TEN_MIB)}`,
      type: FORM,
      want: refused(413, 'TG_BODY_TOO_LARGE'),
    },
    {
      name: 'a 10 MB Vonage DLR',
      url: '/v1/providers/vonage/dlr',
      body: () => `{"messageId":"${'x'.repeat(TEN_MIB)}"}`,
      want: refused(413, 'TG_BODY_TOO_LARGE'),
    },
    {
      name: 'a 10 MB key request',
      url: '/v1/keys',
      scope: 'admin',
      body: () => `{"name":"${'x'.repeat(TEN_MIB)}"}`,
      want: refused(413, 'TG_BODY_TOO_LARGE'),
    },
    {
      name: 'a gzip bomb of JSON (1 GiB inflated)',
      url: '/v1/events/send',
      body: () => gzipBomb(' ', '[', ']'),
      encoding: 'gzip',
      want: refused(413, 'TG_BODY_TOO_LARGE'),
    },
    {
      name: 'a gzip bomb of NDJSON',
      url: '/v1/events/send',
      body: () => gzipBomb('\n'),
      type: NDJSON,
      encoding: 'gzip',
      want: refused(413, 'TG_BODY_TOO_LARGE'),
    },
    {
      name: 'a gzip bomb of CSV',
      url: '/v1/imports/billing',
      body: () => gzipBomb('\n', 'message_id,ts,provider,country,cost\n'),
      type: CSV,
      encoding: 'gzip',
      want: refused(413, 'TG_BODY_TOO_LARGE'),
    },
    {
      name: 'a gzip bomb of form fields',
      url: '/v1/providers/twilio/status',
      body: () => gzipBomb('a', 'MessageSid='),
      type: FORM,
      encoding: 'gzip',
      want: refused(413, 'TG_BODY_TOO_LARGE'),
    },
    {
      name: 'gzip declared, plain text sent',
      url: '/v1/events/send',
      body: oneSend,
      encoding: 'gzip',
      want: refused(400, 'TG_BODY_INVALID'),
    },
    {
      name: 'a gzip stream cut short',
      url: '/v1/events/send',
      body: () => truncatedGzip(oneSend()),
      encoding: 'gzip',
      want: refused(400, 'TG_BODY_INVALID'),
    },
    {
      name: 'a gzip stream with corrupt data',
      url: '/v1/events/send',
      body: () => corruptGzip(oneSend()),
      encoding: 'gzip',
      want: refused(400, 'TG_BODY_INVALID'),
    },
    { name: 'gzip declared on an empty body', url: '/v1/events/send', body: '', encoding: 'gzip', want: refused(400, 'TG_BODY_INVALID') },
    {
      name: 'a corrupt gzip CSV',
      url: '/v1/imports/billing',
      body: () => corruptGzip('message_id,ts\n'),
      type: CSV,
      encoding: 'gzip',
      want: refused(400, 'TG_BODY_INVALID'),
    },
    { name: 'Content-Encoding br', url: '/v1/events/send', body: oneSend, encoding: 'br', want: refused(415, 'TG_CONTENT_TYPE') },
    { name: 'Content-Encoding deflate', url: '/v1/events/verify', body: '[]', encoding: 'deflate', want: refused(415, 'TG_CONTENT_TYPE') },
    {
      name: 'Content-Encoding "gzip, br"',
      url: '/v1/events/send',
      body: oneSend,
      encoding: 'gzip, br',
      want: refused(415, 'TG_CONTENT_TYPE'),
    },
    {
      name: 'Content-Encoding br on a CSV import',
      url: '/v1/imports/billing',
      body: 'message_id\n',
      type: CSV,
      encoding: 'br',
      want: refused(415, 'TG_CONTENT_TYPE'),
    },
    {
      name: 'Content-Encoding compress on a Twilio callback',
      url: '/v1/providers/twilio/status',
      body: 'MessageSid=SM1',
      type: FORM,
      encoding: 'compress',
      want: refused(415, 'TG_CONTENT_TYPE'),
    },
    { name: 'XML', url: '/v1/events/send', body: '<events/>', type: 'application/xml', want: refused(415, 'TG_CONTENT_TYPE') },
    {
      name: 'multipart form data',
      url: '/v1/events/verify',
      body: '--x\r\n\r\n--x--',
      type: 'multipart/form-data; boundary=x',
      want: refused(415, 'TG_CONTENT_TYPE'),
    },
    { name: 'a body without Content-Type', url: '/v1/events/send', body: oneSend, type: null, want: refused(415, 'TG_CONTENT_TYPE') },
    {
      name: 'a CSV import sent as XML',
      url: '/v1/imports/billing',
      body: '<csv/>',
      type: 'application/xml',
      want: refused(415, 'TG_CONTENT_TYPE'),
    },
    {
      name: 'a Twilio callback as multipart',
      url: '/v1/providers/twilio/status',
      body: '--x\r\n\r\n--x--',
      type: 'multipart/form-data; boundary=x',
      want: refused(415, 'TG_CONTENT_TYPE'),
    },
    {
      name: 'a Vonage DLR as XML',
      url: '/v1/providers/vonage/dlr',
      body: '<dlr/>',
      type: 'application/xml',
      want: refused(415, 'TG_CONTENT_TYPE'),
    },
    {
      name: 'a key request as a form',
      url: '/v1/keys',
      scope: 'admin',
      body: 'name=x&scopes=read',
      type: FORM,
      want: refused(415, 'TG_CONTENT_TYPE'),
    },
    {
      name: `a JSON batch of ${MAX_BATCH_EVENTS + 1} events`,
      url: '/v1/events/send',
      body: () => JSON.stringify(oversizedBatch()),
      want: refused(413, 'TG_BATCH_TOO_LARGE'),
    },
    {
      name: `an NDJSON batch of ${MAX_BATCH_EVENTS + 1} events`,
      url: '/v1/events/verify',
      body: () => ndjson(oversizedBatch()),
      type: NDJSON,
      want: refused(413, 'TG_BATCH_TOO_LARGE'),
    },
    {
      name: `a CSV import of ${MAX_BATCH_EVENTS + 1} lines`,
      url: '/v1/imports/billing',
      body: oversizedCsv,
      type: CSV,
      want: refused(413, 'TG_BATCH_TOO_LARGE'),
    },
    {
      name: `exactly ${MAX_BATCH_EVENTS} events are one batch`,
      url: '/v1/events/send',
      body: () => JSON.stringify(Array.from({ length: MAX_BATCH_EVENTS }, (_, i) => sendEvent(100_000 + i, { app: 'batch-limit' }))),
      want: accepted(MAX_BATCH_EVENTS),
    },
  ])('$name', expectAnswer);
});

describe('deep nesting is refused, never a 500 or a hang', () => {
  it.each<BadInput>([
    {
      name: '10,000 nested arrays in a field',
      url: '/v1/events/send',
      body: `[{"event_id":"deep-1","meta":${nestedArrays(10_000)}}]`,
      want: invalid([1, nestedPath('meta')]),
    },
    {
      name: '10,000 nested arrays in a field, as NDJSON',
      url: '/v1/events/verify',
      body: `{"event_id":"deep-2","meta":${nestedArrays(10_000)}}`,
      type: NDJSON,
      want: invalid([1, nestedPath('meta')]),
    },
    {
      name: '10,000 nested objects in a known field',
      url: '/v1/events/send',
      body: `{"app":${nestedObjects(10_000)}}`,
      type: NDJSON,
      want: invalid([1, nestedPath('app')]),
    },
    {
      name: 'a million nested arrays in a field',
      url: '/v1/events/send',
      body: () => `[{"meta":${nestedArrays(1_000_000)}}]`,
      want: invalid([1, nestedPath('meta')]),
    },
    { name: 'a body that is 10,000 nested arrays', url: '/v1/events/billing', body: nestedArrays(10_000), want: invalid([1, '']) },
    {
      name: '10,000 nested arrays as a Vonage messageId',
      url: '/v1/providers/vonage/dlr',
      body: `{"messageId":${nestedArrays(10_000)},"status":"delivered"}`,
      want: invalid([1, 'messageId']),
    },
    {
      name: '10,000 nested arrays as a key name',
      url: '/v1/keys',
      scope: 'admin',
      body: `{"name":${nestedArrays(10_000)},"scopes":["read"]}`,
      want: refused(400, 'TG_REQUEST_INVALID', 'name'),
    },
  ])('$name', expectAnswer);
});

describe('billing CSV imports', () => {
  it.each<BadInput>([
    { name: 'an empty file', url: '/v1/imports/billing', body: '', type: CSV, want: refused(400, 'TG_BATCH_EMPTY') },
    {
      name: 'a header and no lines',
      url: '/v1/imports/billing',
      body: 'message_id,ts,provider,country,cost\n',
      type: CSV,
      want: refused(400, 'TG_BATCH_EMPTY'),
    },
    {
      name: 'a header without an id column',
      url: '/v1/imports/billing',
      body: csvFixture('billing-no-id-column.csv'),
      type: CSV,
      want: invalid(...line(1, 'event_id', 'ts')),
    },
    {
      name: 'JSON sent as CSV',
      url: '/v1/imports/billing',
      body: json(billingEvent('SMjson')),
      type: CSV,
      want: invalid(...line(1, 'event_id', 'ts', 'provider', 'country', 'cost')),
    },
    {
      name: 'bad cells: the good line is stored, each bad one named',
      url: '/v1/imports/billing',
      body: csvFixture('billing-bad-lines.csv'),
      type: CSV,
      want: accepted(1, [3, 'cost'], [4, 'country'], [5, 'ts'], [6, 'currency']),
    },
    {
      name: 'an unclosed quote',
      url: '/v1/imports/billing',
      body: csvFixture('billing-unclosed-quote.csv'),
      type: CSV,
      want: accepted(1, [3, '']),
    },
    {
      name: 'binary garbage',
      url: '/v1/imports/billing',
      body: Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x00, 0x2c, 0x0a]),
      type: CSV,
      want: invalid(...line(1, 'event_id', 'ts', 'provider', 'country', 'cost')),
    },
  ])('$name', expectAnswer);
});

describe('provider contract imports and spend parameters', () => {
  const contracts = '/v1/spend/contracts';
  const csv = (name: string, body: string, want: Want): BadInput => ({ name, url: contracts, body, type: CSV, scope: 'operate', want });
  const spend = (query: string, field: string): BadInput => ({
    name: `spend ${query}`,
    url: `/v1/spend?${query}`,
    method: 'GET',
    scope: 'read',
    want: refused(400, 'TG_REQUEST_INVALID', field),
  });
  it.each<BadInput>([
    csv('an empty contract file', '', refused(400, 'TG_REQUEST_INVALID', 'body')),
    csv('a rate card without a price column', 'provider,country,effective_from\ntwilio,GB,2026-10-01\n', {
      ...refused(400, 'TG_REQUEST_INVALID', 'price'),
      rejected: [[1, 'price']],
    }),
    csv(
      'a rate card whose every row is bad',
      'provider,country,price,effective_from\ntwilio,GB,-1,2026-10-01\ntwilio,GB,0.04,2026-10-01T00:30:00Z\n',
      {
        ...refused(400, 'TG_REQUEST_INVALID', 'price'),
        rejected: [
          [2, 'price'],
          [3, 'effective_from'],
        ],
      },
    ),
    csv('commitments without a month', 'provider,monthly_minimum,effective_from\ntwilio,100,soon\n', {
      ...refused(400, 'TG_REQUEST_INVALID', 'effective_from'),
      rejected: [[2, 'effective_from']],
    }),
    csv('binary garbage', '\u0000\u00ff,\n\u0000', {
      ...refused(400, 'TG_REQUEST_INVALID', 'provider'),
      rejected: [
        [1, 'provider'],
        [1, 'country'],
        [1, 'price'],
        [1, 'effective_from'],
      ],
    }),
    {
      name: 'a rate card sent as JSON',
      url: contracts,
      body: '{"provider":"twilio"}',
      scope: 'operate',
      want: refused(415, 'TG_CONTENT_TYPE'),
    },
    {
      name: 'an unknown source parameter',
      url: `${contracts}?file=x.csv`,
      body: 'provider,country,price,effective_from\n',
      type: CSV,
      scope: 'operate',
      want: refused(400, 'TG_REQUEST_INVALID', 'file'),
    },
    {
      name: 'a contracts filter with a lower-case country',
      url: `${contracts}?country=gb`,
      method: 'GET',
      scope: 'read',
      want: refused(400, 'TG_REQUEST_INVALID', 'country'),
    },
    spend('reconciliation_months=-1', 'reconciliation_months'),
    spend('reconciliation_months=13', 'reconciliation_months'),
    spend('reconciliation_months=all', 'reconciliation_months'),
  ])('$name', expectAnswer);
});

describe('provider callbacks', () => {
  const twilio = '/v1/providers/twilio/status';
  const vonage = '/v1/providers/vonage/dlr';
  it.each<BadInput>([
    { name: 'an empty Twilio form', url: twilio, body: '', type: FORM, want: invalid(...line(1, 'MessageSid', 'MessageStatus')) },
    {
      name: 'a Twilio form without MessageStatus',
      url: twilio,
      body: 'MessageSid=SMtw-bad-1',
      type: FORM,
      want: invalid([1, 'MessageStatus']),
    },
    {
      name: 'a Twilio callback sent as JSON',
      url: twilio,
      body: '{"MessageSid":"SMtw-bad-2","MessageStatus":"delivered"}',
      want: invalid(...line(1, 'MessageSid', 'MessageStatus')),
    },
    {
      name: 'a Twilio MessageSid with NUL and BEL',
      url: twilio,
      body: 'MessageSid=SM%00%07&MessageStatus=delivered',
      type: FORM,
      want: invalid([1, 'message_id']),
    },
    {
      name: 'a Twilio MessageSid of 200 characters',
      url: twilio,
      body: `MessageSid=SM${'a'.repeat(200)}&MessageStatus=sent`,
      type: FORM,
      want: invalid([1, 'message_id']),
    },
    {
      name: 'a Twilio ErrorCode of 40 characters',
      url: twilio,
      body: `MessageSid=SMtw-bad-3&MessageStatus=failed&ErrorCode=${'9'.repeat(40)}`,
      type: FORM,
      want: invalid([1, 'error_code']),
    },
    {
      name: 'a Twilio To that is no number is left out, not rejected',
      url: twilio,
      body: 'MessageSid=SMtw-odd-to&MessageStatus=sent&To=nobody',
      type: FORM,
      want: accepted(1),
    },
    { name: 'a Vonage GET without parameters', url: vonage, method: 'GET', want: invalid(...line(1, 'messageId', 'status')) },
    { name: 'a Vonage GET without status', url: `${vonage}?messageId=vn-bad-1`, method: 'GET', want: invalid([1, 'status']) },
    {
      name: 'a Vonage GET with messageId twice',
      url: `${vonage}?messageId=vn-a&messageId=vn-b&status=delivered`,
      method: 'GET',
      want: invalid([1, 'messageId']),
    },
    {
      name: 'a Vonage GET messageId with BEL',
      url: `${vonage}?messageId=vn%07bad&status=delivered`,
      method: 'GET',
      want: invalid([1, 'message_id']),
    },
    {
      name: 'a Vonage GET messageId of 200 characters',
      url: `${vonage}?messageId=${'v'.repeat(200)}&status=delivered`,
      method: 'GET',
      want: invalid([1, 'message_id']),
    },
    { name: 'a Vonage POST that is not JSON', url: vonage, body: 'messageId=vn', want: refused(400, 'TG_BODY_INVALID') },
    { name: 'an empty Vonage POST', url: vonage, body: '', want: refused(400, 'TG_BODY_INVALID') },
    { name: 'a Vonage POST of a number', url: vonage, body: '42', want: invalid(...line(1, 'messageId', 'status')) },
    { name: 'a Vonage POST of null', url: vonage, body: 'null', want: invalid(...line(1, 'messageId', 'status')) },
    {
      name: 'a Vonage POST of an array',
      url: vonage,
      body: '[{"messageId":"vn-arr","status":"delivered"}]',
      want: invalid(...line(1, 'messageId', 'status')),
    },
    {
      name: 'a Vonage messageId that is an object',
      url: vonage,
      body: '{"messageId":{"id":"vn-obj"},"status":"delivered"}',
      want: invalid([1, 'messageId']),
    },
    {
      name: 'a Vonage messageId that is null',
      url: vonage,
      body: '{"messageId":null,"status":"delivered"}',
      want: invalid([1, 'messageId']),
    },
    {
      name: 'a Vonage messageId with NUL',
      url: vonage,
      body: '{"messageId":"vn\\u0000","status":"delivered"}',
      want: invalid([1, 'message_id']),
    },
  ])('$name', expectAnswer);
});

describe('traffic query parameters', () => {
  const bad = (query: string, field: string): BadInput => ({
    name: `${query.length > 50 ? `${query.slice(0, 50)}...` : query} (field ${field})`,
    url: `/v1/metrics/traffic?${query}`,
    method: 'GET',
    scope: 'read',
    want: refused(400, 'TG_REQUEST_INVALID', field),
  });
  it.each<BadInput>([
    bad('interval=5m', 'interval'),
    bad('limit=0', 'limit'),
    bad('limit=many', 'limit'),
    bad('limit=1000', 'limit'),
    bad('from=yesterday', 'from'),
    bad(`from=${T0}&to=${T0 - 1}`, 'from'),
    bad(`from=${T0}&to=${T0}`, 'from'),
    bad('from=1&from=2', 'from'),
    bad('to=99999999999999999999999', 'to'),
    bad('to=9000000000000000', 'to'),
    bad(`from=0&to=${T0}&interval=1m`, 'interval'),
    bad('group_by=phone', 'group_by'),
    bad('country=gb', 'country'),
    bad('asn=AS15169', 'asn'),
    bad(`app=${'a'.repeat(65)}`, 'app'),
    bad(`provider=${'p'.repeat(65)}`, 'provider'),
    bad('cuntry=GB', 'cuntry'),
  ])('$name', expectAnswer);
});

describe('decision requests', () => {
  const SEND = { app: 'shop', flow: 'login', phone: '+447400123456', ip: '81.2.69.160', session_id: 'bad-decide' };
  const bad = (name: string, body: Record<string, unknown>, field: string): BadInput => ({
    name,
    url: '/v1/decide',
    body: JSON.stringify(body),
    scope: 'decide',
    want: refused(400, 'TG_REQUEST_INVALID', field),
  });
  it.each<BadInput>([
    bad('an unknown action', { ...SEND, action: 'resend' }, 'action'),
    bad('an action that is a number', { ...SEND, action: 1 }, 'action'),
    bad('an account id over 256 bytes (200 two-byte characters)', { ...SEND, account_id: 'é'.repeat(200) }, 'account_id'),
    bad('an account id of 257 characters', { ...SEND, account_id: 'a'.repeat(257) }, 'account_id'),
    bad('an empty account id', { ...SEND, account_id: '' }, 'account_id'),
    bad('a user agent that is a number', { ...SEND, user_agent: 123 }, 'user_agent'),
    bad('a user agent that is an object', { ...SEND, user_agent: { browser: 'Safari' } }, 'user_agent'),
    bad('a user agent that is null', { ...SEND, user_agent: null }, 'user_agent'),
    bad('a timezone that is a boolean', { ...SEND, timezone: true }, 'timezone'),
    bad('a send without a phone', { app: 'shop', flow: 'login', ip: '81.2.69.160' }, 'phone'),
    bad('a verify without a session', { action: 'verify', app: 'shop', flow: 'login', ip: '81.2.69.160' }, 'session_id'),
    bad(
      'a verify with a phone that is not E.164',
      { action: 'verify', app: 'shop', flow: 'login', ip: '81.2.69.160', session_id: 's', phone: '07400 123456' },
      'phone',
    ),
  ])('$name', expectAnswer);

  // The route parses its own bodies (decide-body.parser.ts): it must refuse what fastify's parser refuses.
  const SEND_FIELDS = JSON.stringify(SEND).slice(1);
  const raw = (name: string, body: string, want: Want): BadInput => ({ name, url: '/v1/decide', body, scope: 'decide', want });
  it.each<BadInput>([
    raw('an empty body', '', refused(400, 'TG_BODY_INVALID')),
    raw('a body cut short', '{"app":"shop","flow":', refused(400, 'TG_BODY_INVALID')),
    raw('__proto__ in a decision', `{"__proto__":{"app":"polluted"},${SEND_FIELDS}`, refused(400, 'TG_BODY_INVALID')),
    raw('__proto__ spelled with escapes', `{"\\u005f_proto__":{"app":"polluted"},${SEND_FIELDS}`, refused(400, 'TG_BODY_INVALID')),
    raw(
      'a constructor holding a prototype',
      `{"constructor":{"prototype":{"app":"polluted"}},${SEND_FIELDS}`,
      refused(400, 'TG_BODY_INVALID'),
    ),
    raw('a body over 16 KiB', JSON.stringify({ ...SEND, user_agent: 'u'.repeat(20_000) }), refused(413, 'TG_BODY_TOO_LARGE')),
  ])('$name', expectAnswer);

  it.each([
    [
      'strings that hold "__proto__", "constructor" and escapes',
      `{${SEND_FIELDS.slice(0, -1)},"device_id":"__proto__ constructor","user_agent":"Mozilla\\/5.0 \\u0028X11\\u0029"}`,
    ],
    ['a byte order mark before it', `\uFEFF${JSON.stringify(SEND)}`],
  ])('decides on a body with %s', async (_name, payload) => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/decide',
      headers: { ...server.auth('decide'), 'content-type': JSON_TYPE },
      payload,
    });
    expect(res.statusCode).toBe(200);
    expect(['allow', 'challenge', 'block']).toContain(res.json().decision);
  });
});

describe('key requests', () => {
  let keysBefore: number;
  const listKeys = async () =>
    (await server.app.inject({ method: 'GET', url: '/v1/keys', headers: server.auth('admin') })).json().length as number;
  beforeAll(async () => {
    keysBefore = await listKeys();
  });

  const bad = (name: string, body: string, want: Want): BadInput => ({ name, url: '/v1/keys', body, scope: 'admin', want });
  it.each<BadInput>([
    bad('not JSON', 'name=ci', refused(400, 'TG_BODY_INVALID')),
    bad('an empty body', '', refused(400, 'TG_BODY_INVALID')),
    bad('a number', '42', refused(400, 'TG_REQUEST_INVALID', '')),
    bad('null', 'null', refused(400, 'TG_REQUEST_INVALID', '')),
    bad('an array', '[{"name":"ci","scopes":["read"]}]', refused(400, 'TG_REQUEST_INVALID', '')),
    bad('an empty object', '{}', refused(400, 'TG_REQUEST_INVALID', 'name')),
    bad('no scopes', '{"name":"ci"}', refused(400, 'TG_REQUEST_INVALID', 'scopes')),
    bad('an empty scope list', '{"name":"ci","scopes":[]}', refused(400, 'TG_REQUEST_INVALID', 'scopes')),
    bad('an unknown scope', '{"name":"ci","scopes":["root"]}', refused(400, 'TG_REQUEST_INVALID', 'scopes.0')),
    bad('a repeated scope', '{"name":"ci","scopes":["read","read"]}', refused(400, 'TG_REQUEST_INVALID', 'scopes')),
    bad('scopes as an object', '{"name":"ci","scopes":{"read":true}}', refused(400, 'TG_REQUEST_INVALID', 'scopes')),
    bad('an empty name', '{"name":"","scopes":["read"]}', refused(400, 'TG_REQUEST_INVALID', 'name')),
    bad('a name as an object', '{"name":{"first":"ci"},"scopes":["read"]}', refused(400, 'TG_REQUEST_INVALID', 'name')),
    bad('a name of 101 characters', `{"name":"${'n'.repeat(101)}","scopes":["read"]}`, refused(400, 'TG_REQUEST_INVALID', 'name')),
    bad('a name with BEL', '{"name":"ci\\u0007","scopes":["read"]}', refused(400, 'TG_REQUEST_INVALID', 'name')),
    bad('a name with NUL', '{"name":"ci\\u0000","scopes":["read"]}', refused(400, 'TG_REQUEST_INVALID', 'name')),
    {
      name: 'a malformed key id to revoke',
      url: '/v1/keys/not-a-key-id',
      method: 'DELETE',
      scope: 'admin',
      want: refused(400, 'TG_REQUEST_INVALID', 'id'),
    },
    {
      name: 'an unknown key id to revoke',
      url: '/v1/keys/0000000000000000',
      method: 'DELETE',
      scope: 'admin',
      want: refused(404, 'TG_NOT_FOUND'),
    },
  ])('$name', expectAnswer);

  it('creates no key from a refused request', async () => {
    expect(await listKeys()).toBe(keysBefore);
  });
});

describe('user requests', () => {
  const person = 'bad-input-person';
  beforeAll(async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/users',
      payload: { name: person, role: 'viewer', password: 'correct horse battery' },
      headers: server.auth('admin'),
    });
    expect(res.statusCode).toBe(201);
  });

  const bad = (name: string, method: 'POST' | 'PATCH' | 'DELETE', url: string, body: string | undefined, want: Want): BadInput => ({
    name,
    url,
    method,
    body,
    scope: 'admin',
    want,
  });
  it.each<BadInput>([
    bad('a user without a password', 'POST', '/v1/users', '{"name":"bo","role":"viewer"}', refused(400, 'TG_REQUEST_INVALID', 'password')),
    bad(
      'a user with an unknown role',
      'POST',
      '/v1/users',
      '{"name":"bo","role":"root","password":"correct horse battery"}',
      refused(400, 'TG_REQUEST_INVALID', 'role'),
    ),
    bad(
      'a user name with a space',
      'POST',
      '/v1/users',
      '{"name":"bo bo","role":"viewer","password":"correct horse battery"}',
      refused(400, 'TG_REQUEST_INVALID', 'name'),
    ),
    bad(
      'a user name of 65 characters',
      'POST',
      '/v1/users',
      `{"name":"${'b'.repeat(65)}","role":"viewer","password":"correct horse battery"}`,
      refused(400, 'TG_REQUEST_INVALID', 'name'),
    ),
    bad(
      '__proto__ in a user request',
      'POST',
      '/v1/users',
      '{"__proto__":{"role":"admin"},"name":"bo","password":"correct horse battery"}',
      refused(400, 'TG_BODY_INVALID'),
    ),
    bad('an empty change', 'PATCH', `/v1/users/${person}`, '{}', refused(400, 'TG_REQUEST_INVALID', '')),
    bad(
      'a change with an unknown role',
      'PATCH',
      `/v1/users/${person}`,
      '{"role":"superuser"}',
      refused(400, 'TG_REQUEST_INVALID', 'role'),
    ),
    bad(
      'a change with a short password',
      'PATCH',
      `/v1/users/${person}`,
      '{"password":"short"}',
      refused(400, 'TG_REQUEST_INVALID', 'password'),
    ),
    bad(
      'a change with an unknown field',
      'PATCH',
      `/v1/users/${person}`,
      '{"role":"viewer","disabled":false}',
      refused(400, 'TG_REQUEST_INVALID', 'disabled'),
    ),
    bad('a change of a name with a slash', 'PATCH', '/v1/users/a%2Fb', '{"role":"viewer"}', refused(400, 'TG_REQUEST_INVALID', 'name')),
    bad('a change of an unknown user', 'PATCH', '/v1/users/nobody-here', '{"role":"viewer"}', refused(404, 'TG_NOT_FOUND', 'name')),
    bad('removing a name with a quote', 'DELETE', "/v1/users/bo'--", undefined, refused(400, 'TG_REQUEST_INVALID', 'name')),
    bad('removing an unknown user', 'DELETE', '/v1/users/nobody-here', undefined, refused(404, 'TG_NOT_FOUND', 'name')),
  ])('$name', expectAnswer);

  it('changed nobody: the person keeps their role', async () => {
    const listed = (await server.app.inject({ url: '/v1/users', headers: server.auth('admin') })).json();
    expect(listed.find((user: { name: string }) => user.name === person)).toMatchObject({ role: 'viewer', disabled: false });
    expect(listed.some((user: { name: string }) => user.name === 'bo')).toBe(false);
  });
});

describe('prototype pollution payloads', () => {
  const sneaky = (i: number) =>
    `{"__proto__":{"event_id":"proto-${i}","polluted":"yes"},${JSON.stringify(omit(sendEvent(i), 'event_id')).slice(1)}`;
  it.each<BadInput>([
    { name: '__proto__ cannot supply an event field', url: '/v1/events/send', body: `[${sneaky(id())}]`, want: invalid([1, 'event_id']) },
    {
      name: '__proto__ cannot supply an event field, as NDJSON',
      url: '/v1/events/send',
      body: sneaky(id()),
      type: NDJSON,
      want: invalid([1, 'event_id']),
    },
    {
      name: '__proto__ beside a complete event is an ignored unknown field',
      url: '/v1/events/send',
      body: `[{"__proto__":{"polluted":"yes"},${JSON.stringify(sendEvent(id())).slice(1)}]`,
      want: accepted(1),
    },
    {
      name: 'constructor.prototype beside a complete event is an ignored unknown field',
      url: '/v1/events/send',
      body: `[{"constructor":{"prototype":{"polluted":"yes"}},${JSON.stringify(sendEvent(id())).slice(1)}]`,
      want: accepted(1),
    },
    {
      name: '__proto__ in a CSV header',
      url: '/v1/imports/billing',
      body: '__proto__,message_id,ts,provider,country,cost\nyes,SMproto,2026-11-20T14:00:00Z,twilio,GB,0.01\n',
      type: CSV,
      want: accepted(1),
    },
    {
      name: '__proto__ in a key request',
      url: '/v1/keys',
      scope: 'admin',
      body: '{"__proto__":{"scopes":["admin"]},"name":"ci"}',
      want: refused(400, 'TG_BODY_INVALID'),
    },
    {
      name: 'constructor.prototype in a key request',
      url: '/v1/keys',
      scope: 'admin',
      body: '{"constructor":{"prototype":{"polluted":"yes"}},"name":"ci","scopes":["read"]}',
      want: refused(400, 'TG_BODY_INVALID'),
    },
    {
      name: '__proto__ in a Vonage DLR',
      url: '/v1/providers/vonage/dlr',
      body: '{"__proto__":{"status":"delivered","polluted":"yes"},"messageId":"vn-proto"}',
      want: invalid([1, 'status']),
    },
    {
      name: '__proto__ in a Vonage query',
      url: '/v1/providers/vonage/dlr?__proto__[status]=delivered&messageId=vn-proto',
      method: 'GET',
      want: invalid([1, 'status']),
    },
    {
      name: '__proto__ in a Twilio form',
      url: '/v1/providers/twilio/status',
      body: '__proto__=delivered&__proto__[MessageStatus]=sent&MessageSid=SMproto',
      type: FORM,
      want: invalid([1, 'MessageStatus']),
    },
  ])('$name', expectAnswer);

  it('leaves Object.prototype untouched', () => {
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(probe.event_id).toBeUndefined();
    expect(probe.scopes).toBeUndefined();
  });
});

describe('after all of the above', () => {
  it('still stores a good batch, answers the query API and reports healthy', async () => {
    const good = await server.app.inject({
      method: 'POST',
      url: '/v1/events/send',
      payload: json(sendEvent(id(), { app: 'after-bad-input' })),
      headers: { 'content-type': JSON_TYPE, ...server.auth('ingest') },
    });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const query = `from=${T0 - 3_600_000}&to=${T0 + 3_600_000}&interval=1h&app=after-bad-input`;
    const traffic = await server.app.inject({ method: 'GET', url: `/v1/metrics/traffic?${query}`, headers: server.auth('read') });
    expect(traffic.json().series[0].points[0]).toMatchObject({ sends: 1 });
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
